"""File type detection: a ContentKind and MIME type from the extension and the first bytes.

Magic bytes come from puremagic's signature table, indexed here by offset and first two bytes (its own
lookup scans all ~1,400 signatures in Python, ~370 us a call); a few formats it misses or ranks wrongly
(ZIP-based documents, ISO-BMFF brands, executables, PEM armour, scripts) are checked first.
"""

from __future__ import annotations

import enum
import functools
import mimetypes
import operator
from collections import defaultdict
from typing import NamedTuple

import puremagic

from spacedrive.domain.kinds import ContentKind

__all__ = ["SNIFF_SIZE", "detect_kind", "kind_from_extension", "mime_from_extension", "sniff"]

#: Leading bytes worth passing to ``sniff``/``detect_kind``: enough for every signature used here
#: except ISO 9660's at 32 KiB, and for the text/binary test.
SNIFF_SIZE = 4_096

K = ContentKind
# One token per extension, "ext" or "ext=mime" where Python's built-in table lacks the type or has a
# poor one. The first kind listing an extension wins, so put ambiguous ones (ts, key, pub) where
# most users meet them; content sniffing corrects the rest.
_EXTENSIONS: dict[ContentKind, str] = {
    K.IMAGE: """
        jpg jpeg jpe jfif pjpeg pjp png apng gif webp avif=image/avif avifs=image/avif-sequence
        heic=image/heic heif=image/heif heics=image/heic-sequence heifs=image/heif-sequence
        hif=image/heif jxl=image/jxl
        jp2=image/jp2 j2k=image/jp2 jpf=image/jpx jpx=image/jpx jxr=image/jxr wdp=image/jxr hdp=image/jxr
        bmp dib ico cur=image/x-win-bitmap icns=image/icns tif tiff svg svgz=image/svg+xml
        psd=image/vnd.adobe.photoshop psb=image/vnd.adobe.photoshop xcf=image/x-xcf kra=application/x-krita
        ora=image/openraster tga=image/x-tga dds=image/vnd-ms.dds exr=image/x-exr hdr=image/vnd.radiance
        pbm pgm ppm pnm pam=image/x-portable-arbitrarymap pfm qoi=image/qoi wbmp=image/vnd.wap.wbmp
        xbm xpm pcx=image/vnd.zbrush.pcx emf=image/emf wmf=image/wmf ai=application/illustrator
        eps=application/postscript cdr=application/vnd.corel-draw afphoto afdesign
        3fr ari arw=image/x-sony-arw bay braw cr2=image/x-canon-cr2 cr3=image/x-canon-cr3
        crw=image/x-canon-crw dcr=image/x-kodak-dcr dcs dng=image/x-adobe-dng drf eip erf=image/x-epson-erf
        fff gpr iiq k25 kdc mdc mef mos mrw=image/x-minolta-mrw nef=image/x-nikon-nef nrw=image/x-nikon-nrw
        orf=image/x-olympus-orf pef=image/x-pentax-pef ptx pxn r3d raf=image/x-fuji-raf
        rw2=image/x-panasonic-rw2 rwl rwz sr2=image/x-sony-sr2 srf=image/x-sony-srf
        srw=image/x-samsung-srw x3f=image/x-sigma-x3f
    """,
    K.VIDEO: """
        mp4 m4v=video/x-m4v mov qt avi wmv asf flv=video/x-flv f4v=video/x-f4v mkv=video/x-matroska webm
        mpg mpeg mpe m1v m2v mpv mp2v m2ts=video/mp2t mts=video/mp2t m2t=video/mp2t vob=video/dvd
        ogv=video/ogg 3gp=video/3gpp 3g2=video/3gpp2 3gpp=video/3gpp rm=application/vnd.rn-realmedia
        rmvb=application/vnd.rn-realmedia-vbr divx=video/divx dv=video/dv mxf=application/mxf
        h264=video/h264 hevc=video/h265 h265=video/h265 y4m ivf amv nsv swf=application/x-shockwave-flash
    """,
    K.AUDIO: """
        mp3 m4a=audio/mp4 m4b=audio/mp4 m4p=audio/mp4 m4r=audio/mp4 aac=audio/aac flac=audio/flac wav wave
        aif aiff aifc opus ogg=audio/ogg oga=audio/ogg spx=audio/ogg wma=audio/x-ms-wma wv=audio/wavpack
        ape=audio/x-ape mka=audio/x-matroska mid=audio/midi midi=audio/midi kar=audio/midi amr=audio/amr
        awb=audio/amr-wb au snd ra ac3=audio/ac3 eac3=audio/eac3 dts=audio/vnd.dts mpc=audio/x-musepack
        tta=audio/x-tta caf=audio/x-caf weba=audio/webm voc=audio/x-voc dsf=audio/x-dsf dff=audio/x-dff
        mod=audio/x-mod xm=audio/x-xm it=audio/x-it s3m=audio/x-s3m gsm=audio/x-gsm mp2 mpga
    """,
    K.DOCUMENT: """
        pdf doc dot docx=application/vnd.openxmlformats-officedocument.wordprocessingml.document
        docm=application/vnd.ms-word.document.macroenabled.12
        dotx=application/vnd.openxmlformats-officedocument.wordprocessingml.template
        odt=application/vnd.oasis.opendocument.text ott=application/vnd.oasis.opendocument.text-template
        fodt=application/vnd.oasis.opendocument.text-flat-xml rtf pages=application/vnd.apple.pages
        wpd=application/vnd.wordperfect wps=application/vnd.ms-works xls xlt
        xlsx=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
        xlsm=application/vnd.ms-excel.sheet.macroenabled.12
        xlsb=application/vnd.ms-excel.sheet.binary.macroenabled.12
        ods=application/vnd.oasis.opendocument.spreadsheet
        ots=application/vnd.oasis.opendocument.spreadsheet-template
        numbers=application/vnd.apple.numbers ppt pot pps
        pptx=application/vnd.openxmlformats-officedocument.presentationml.presentation
        pptm=application/vnd.ms-powerpoint.presentation.macroenabled.12
        ppsx=application/vnd.openxmlformats-officedocument.presentationml.slideshow
        odp=application/vnd.oasis.opendocument.presentation odg=application/vnd.oasis.opendocument.graphics
        keynote=application/vnd.apple.keynote xps=application/vnd.ms-xpsdocument oxps=application/oxps
        ps one=application/onenote msg=application/vnd.ms-outlook vsd=application/vnd.visio
        vsdx=application/vnd.ms-visio.drawing mht=multipart/related mhtml=multipart/related
    """,
    K.ARCHIVE: """
        zip zipx 7z=application/x-7z-compressed rar=application/vnd.rar tar gz=application/gzip
        tgz=application/gzip bz2=application/x-bzip2 tbz tbz2=application/x-bzip2 xz=application/x-xz
        txz=application/x-xz lz=application/x-lzip lzma=application/x-lzma tlz zst=application/zstd
        tzst=application/zstd lz4=application/x-lz4 z=application/x-compress
        cab=application/vnd.ms-cab-compressed
        arj=application/x-arj lha lzh=application/x-lzh-compressed ace cpio ar=application/x-archive
        sit sitx iso=application/x-iso9660-image img dmg=application/x-apple-diskimage vhd vhdx vmdk qcow2
        vdi toast deb=application/vnd.debian.binary-package udeb rpm=application/x-rpm pkg snap flatpak
        whl=application/zip gem crate nupkg war ear xpi=application/x-xpinstall
    """,
    K.CODE: """
        py=text/x-python pyw pyi pyx pxd ipynb=application/x-ipynb+json c=text/x-c h=text/x-c
        cc=text/x-c++ cpp=text/x-c++ cxx=text/x-c++ hpp=text/x-c++ hh=text/x-c++ hxx=text/x-c++ inl
        m=text/x-objcsrc mm cs=text/x-csharp java=text/x-java kt=text/x-kotlin kts=text/x-kotlin
        scala=text/x-scala sc groovy gradle go=text/x-go rs=text/x-rust swift=text/x-swift dart=text/x-dart
        js=text/javascript mjs=text/javascript cjs=text/javascript jsx=text/jsx ts=text/typescript
        cts=text/typescript tsx=text/tsx vue svelte astro html htm xhtml css scss
        sass less styl php=application/x-httpd-php rb=text/x-ruby erb pl=text/x-perl pm=text/x-perl
        lua=text/x-lua r=text/x-r jl=text/x-julia hs=text/x-haskell lhs ml mli fs fsi fsx ex exs erl hrl
        clj cljs cljc edn elm nim zig sv svh vhdl asm s sh=application/x-sh bash=application/x-sh zsh fish
        ksh csh ps1 psm1 psd1 bat=application/x-bat cmd vbs sql=application/sql graphql gql proto
        thrift cmake mk tf hcl nix d f f90 f95 for pas cob cbl ada adb ads lisp el scm rkt tcl awk vim
        coffee hx wat sol cu cuh metal glsl hlsl frag vert ino pde diff=text/x-diff patch=text/x-diff
    """,
    K.TEXT: """
        txt text md=text/markdown markdown=text/markdown mdx rst=text/x-rst adoc asciidoc org=text/org
        tex=text/x-tex ltx bib log=text/plain csv tsv nfo diz srt=application/x-subrip vtt ass ssa lrc po xml
        eml mbox=application/mbox vcf=text/vcard ics
    """,
    K.CONFIG: """
        json jsonc json5=application/json5 yaml=application/yaml yml=application/yaml toml=application/toml
        ini cfg conf config properties env plist=application/x-plist reg desktop service lock
        gitignore gitattributes gitmodules editorconfig dockerignore npmrc nvmrc eslintrc prettierrc
        babelrc bashrc zshrc url webloc
    """,
    K.DATABASE: """
        db sqlite=application/vnd.sqlite3 sqlite3=application/vnd.sqlite3 db3=application/vnd.sqlite3
        mdb=application/x-msaccess accdb=application/x-msaccess frm ibd myd myi dbf=application/x-dbf
        realm parquet=application/vnd.apache.parquet arrow feather avro orc h5=application/x-hdf5
        hdf5=application/x-hdf5 duckdb mdf ndf ldf
    """,
    K.BOOK: """
        epub=application/epub+zip mobi=application/x-mobipocket-ebook azw=application/vnd.amazon.ebook
        azw3=application/vnd.amazon.ebook azw4 kfx ibooks fb2=application/x-fictionbook+xml
        djvu=image/vnd.djvu djv=image/vnd.djvu cbz=application/vnd.comicbook+zip
        cbr=application/vnd.comicbook-rar cb7 cbt lit lrf
    """,
    K.FONT: """
        ttf=font/ttf otf=font/otf woff=font/woff woff2=font/woff2 eot=application/vnd.ms-fontobject
        ttc=font/collection otc=font/collection fon fnt pfb pfa afm bdf pcf dfont
    """,
    K.MESH: """
        obj=model/obj stl=model/stl ply fbx gltf=model/gltf+json glb=model/gltf-binary
        dae=model/vnd.collada+xml 3ds blend max ma mb c4d usd usda usdc usdz=model/vnd.usdz+zip
        abc x3d=model/x3d+xml wrl=model/vrml
        vrml=model/vrml 3mf=model/3mf step=model/step stp=model/step iges=model/iges igs=model/iges skp
        lwo lws dxf=image/vnd.dxf ifc
    """,
    K.ENCRYPTED: """
        gpg=application/pgp-encrypted pgp=application/pgp-encrypted age kdbx kdb luks tc hc vc axx aes enc
        p7m=application/pkcs7-mime
    """,
    K.KEY: """
        pem=application/x-pem-file key crt=application/x-x509-ca-cert cer=application/pkix-cert
        der=application/x-x509-ca-cert p12=application/x-pkcs12 pfx=application/x-pkcs12 jks keystore
        pub csr=application/pkcs10 ppk p7b=application/x-pkcs7-certificates crl=application/pkix-crl kbx
    """,
    K.EXECUTABLE: """
        exe=application/vnd.microsoft.portable-executable dll=application/vnd.microsoft.portable-executable
        msi=application/x-msi msix appx appimage=application/vnd.appimage
        apk=application/vnd.android.package-archive aab xapk ipa so=application/x-sharedlib
        dylib=application/x-mach-binary ko elf=application/x-executable
        out run wasm class=application/java-vm jar=application/java-archive dex pyc=application/x-python-code
        pyd efi scr cpl ocx com
    """,
}

_TEXTUAL_KINDS = frozenset({K.TEXT, K.CODE, K.CONFIG})
_MIMETYPES = mimetypes.MimeTypes()  # Python's built-in table only, the same on every machine


def _build_extension_table() -> dict[str, tuple[ContentKind, str | None]]:
    table: dict[str, tuple[ContentKind, str | None]] = {}
    for kind, tokens in _EXTENSIONS.items():
        for token in tokens.split():
            ext, _, mime = token.partition("=")
            table.setdefault(ext, (kind, mime or None))
    return table


_EXTENSION_TABLE = _build_extension_table()


@functools.lru_cache(maxsize=4_096)
def _extension_info(ext: str) -> tuple[ContentKind, str | None]:
    ext = ext.rpartition(".")[2].lower()
    kind, mime = _EXTENSION_TABLE.get(ext, (K.UNKNOWN, None))
    if mime is None and ext:
        dotted = "." + ext
        mime = _MIMETYPES.types_map[True].get(dotted) or _MIMETYPES.types_map[False].get(dotted)
        if mime == "application/octet-stream":  # says nothing a reader can use
            mime = None
    return kind, mime


def kind_from_extension(ext: str) -> ContentKind:
    """The kind an extension (without the dot, any case) usually means; UNKNOWN if it means nothing."""
    return _extension_info(ext)[0]


def mime_from_extension(ext: str) -> str | None:
    """The MIME type an extension (without the dot, any case) usually means, or None."""
    return _extension_info(ext)[1]


class _Strength(enum.Enum):
    """How far a content match may overrule the extension."""

    #: A text-based format (XML, HTML, a script): only names files whose extension says nothing.
    TEXTUAL = 0
    #: A binary container several kinds share (ZIP, OLE2, TIFF, Ogg...): overrules unknown and text-ish
    #: extensions (a .txt that is a ZIP), not others (a .docx, .apk or .nef is one of these inside).
    CONTAINER = 1
    #: A format that is what it says: overrules any extension (a .jpg that is a PNG).
    SPECIFIC = 2


class _Match(NamedTuple):
    kind: ContentKind
    mime: str | None
    strength: _Strength


S = _Strength
_CONTAINER_EXTS = frozenset({"gz", "tgz", "bz2", "xz", "zst", "tar", "tiff", "tif"})


_NOT_CONTROL = bytes(sorted(set(range(256)) - (set(range(32)) - set(b"\t\n\f\r\b\x1b")) - {127}))


def _is_text(header: bytes) -> bool:
    """UTF-16 with a BOM, or no NUL and either UTF-8 or nearly free of control characters (Latin-1...)."""
    if header.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            header[: len(header) & ~1].decode("utf-16")
        except UnicodeDecodeError:
            return False
        return True
    if b"\x00" in header:
        return False
    try:
        header.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data" and e.start >= len(header) - 3:
            return True  # a character cut by the end of the header
        return len(header.translate(None, _NOT_CONTROL)) * 20 < len(header)
    return True


_ISO_BMFF_BRANDS: dict[bytes, tuple[ContentKind, str, _Strength]] = {
    **dict.fromkeys(
        (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"), (K.IMAGE, "image/heic", S.SPECIFIC)
    ),
    **dict.fromkeys((b"mif1", b"msf1"), (K.IMAGE, "image/heif", S.SPECIFIC)),
    **dict.fromkeys((b"avif", b"avis"), (K.IMAGE, "image/avif", S.SPECIFIC)),
    b"crx ": (K.IMAGE, "image/x-canon-cr3", S.SPECIFIC),
    b"jxl ": (K.IMAGE, "image/jxl", S.SPECIFIC),
    **dict.fromkeys((b"M4A ", b"M4B ", b"M4P "), (K.AUDIO, "audio/mp4", S.SPECIFIC)),
    b"qt  ": (K.VIDEO, "video/quicktime", S.SPECIFIC),
    b"M4V ": (K.VIDEO, "video/x-m4v", S.SPECIFIC),
}


def _sniff_special(header: bytes) -> _Match | None:
    """Formats puremagic lacks or ranks wrongly for a file manager."""
    if header.startswith(b"PK\x03\x04"):
        if header.startswith(b"mimetypeapplication/epub+zip", 30):
            return _Match(K.BOOK, "application/epub+zip", S.SPECIFIC)
        if header.startswith(b"mimetypeapplication/vnd.oasis.opendocument.", 30):
            mime = header[38:120].split(b"PK", 1)[0].decode("ascii", "replace")
            return _Match(K.DOCUMENT, mime if mime.isprintable() else None, S.SPECIFIC)
        if b"[Content_Types].xml" in header[:200]:  # Office Open XML: docx, xlsx, pptx...
            return _Match(K.DOCUMENT, None, S.CONTAINER)
        return _Match(K.ARCHIVE, "application/zip", S.CONTAINER)
    if header[4:8] == b"ftyp" and header[:1] == b"\x00":  # ISO BMFF: a big-endian box size first
        brand = header[8:12]
        if brand in _ISO_BMFF_BRANDS:
            return _Match(*_ISO_BMFF_BRANDS[brand])
        if brand.startswith(b"3g"):
            return _Match(K.VIDEO, "video/3gpp2" if brand.startswith(b"3g2") else "video/3gpp", S.SPECIFIC)
        return _Match(K.VIDEO, "video/mp4", S.CONTAINER)  # isom/mp4x/avc1...: often audio-only too
    if header.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: doc, xls, ppt, msi, msg...
        return _Match(K.DOCUMENT, "application/x-ole-storage", S.CONTAINER)
    if header.startswith(b"SQLite format 3\x00"):
        return _Match(K.DATABASE, "application/vnd.sqlite3", S.SPECIFIC)
    if header.startswith(b"\x1aE\xdf\xa3"):  # EBML: Matroska or WebM, audio or video alike
        webm = b"webm" in header[:64]
        return _Match(K.VIDEO, "video/webm" if webm else "video/x-matroska", S.CONTAINER)
    if header.startswith(b"OggS\x00"):
        first_page = header[:128]
        if b"\x80theora" in first_page:
            return _Match(K.VIDEO, "video/ogg", S.CONTAINER)
        return _Match(K.AUDIO, "audio/opus" if b"OpusHead" in first_page else "audio/ogg", S.CONTAINER)
    if header.startswith(b"\x7fELF"):
        return _Match(K.EXECUTABLE, "application/x-executable", S.SPECIFIC)
    if header[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
        return _Match(K.EXECUTABLE, "application/x-mach-binary", S.SPECIFIC)
    if header.startswith(b"\xca\xfe\xba\xbe") and len(header) >= 8:
        # Java class files carry their version (>= 45) here, universal Mach-O binaries an arch count.
        java = int.from_bytes(header[4:8], "big") >= 45
        return _Match(
            K.EXECUTABLE, "application/java-vm" if java else "application/x-mach-binary", S.SPECIFIC
        )
    if header.startswith(b"MZ") and len(header) >= 64 and not _is_text(header):
        return _Match(K.EXECUTABLE, "application/vnd.microsoft.portable-executable", S.SPECIFIC)
    if header.startswith(b"\x00asm"):
        return _Match(K.EXECUTABLE, "application/wasm", S.SPECIFIC)
    if header.startswith((b"glTF\x02\x00\x00\x00", b"glTF\x01\x00\x00\x00")):
        return _Match(K.MESH, "model/gltf-binary", S.SPECIFIC)
    if header.startswith(b"age-encryption.org/"):
        return _Match(K.ENCRYPTED, "application/x-age-encryption", S.SPECIFIC)
    if header.startswith(b"-----BEGIN "):
        label = header[11:80].split(b"-----", 1)[0]
        if label == b"PGP MESSAGE":
            return _Match(K.ENCRYPTED, "application/pgp-encrypted", S.SPECIFIC)
        if b"KEY" in label or b"CERTIFICATE" in label:
            return _Match(K.KEY, "application/x-pem-file", S.SPECIFIC)
    if header.startswith((b"ssh-ed25519 AAAA", b"ssh-rsa AAAA", b"ecdsa-sha2-")):
        return _Match(K.KEY, None, S.TEXTUAL)
    if header.startswith(b"#!"):
        interpreter = header[2:120].split(b"\n", 1)[0]
        return _Match(K.CODE, _script_mime(interpreter), S.TEXTUAL)
    # MPEG transport stream: a 0x47 sync byte every 188 bytes.
    if (
        header[:1] == b"G"
        and len(header) > 376
        and header[188] == header[376] == 0x47
        and not _is_text(header)
    ):
        return _Match(K.VIDEO, "video/mp2t", S.SPECIFIC)
    return None


def _script_mime(interpreter: bytes) -> str | None:
    for word, mime in (
        (b"python", "text/x-python"),
        (b"node", "text/javascript"),
        (b"perl", "text/x-perl"),
        (b"ruby", "text/x-ruby"),
        (b"sh", "application/x-sh"),
    ):
        if word in interpreter:
            return mime
    return None


class _Signature(NamedTuple):
    offset: int
    magic: bytes
    kind: ContentKind
    mime: str | None
    ext: str
    parts: tuple[_Signature, ...]  # further bytes that narrow this match down (RIFF -> WAVE)


def _signature(row: puremagic.PureMagic, parts: tuple[_Signature, ...] = ()) -> _Signature | None:
    ext = row.extension.lstrip(".").lower() if isinstance(row.extension, str) else ""
    kind, ext_mime = _extension_info(ext)
    mime = row.mime_type or ext_mime
    if kind is K.UNKNOWN and not parts:
        return None  # a game save or a niche format: naming it would not help anyone
    return _Signature(row.offset, row.byte_match, kind, mime, ext, parts)


def _build_signature_index() -> list[tuple[int, dict[bytes, list[_Signature]]]]:
    """Header signatures grouped by offset and first two bytes, longest first within a group."""
    by_offset: dict[int, dict[bytes, list[_Signature]]] = defaultdict(lambda: defaultdict(list))
    for row in puremagic.magic_header_array:
        if row.offset < 0 or len(row.byte_match) < 2:
            continue  # footers need the end of the file; one-byte magic is noise
        parts = tuple(
            sig
            for option in puremagic.multi_part_dict.get(row.byte_match, ())
            if option.offset >= 0 and (sig := _signature(option)) is not None
        )
        sig = _signature(row, parts)
        if sig is not None:
            by_offset[row.offset][row.byte_match[:2]].append(sig)
    index = []
    for offset in sorted(by_offset):
        groups = by_offset[offset]
        for sigs in groups.values():
            sigs.sort(key=lambda s: len(s.magic), reverse=True)
        index.append((offset, dict(groups)))
    return index


_SIGNATURES = _build_signature_index()
#: The two bytes at every signature offset, sliced in one C call (beyond the end: shorter, never a key).
_KEYS_OF = operator.itemgetter(*(slice(offset, offset + 2) for offset, _ in _SIGNATURES))


def _sniff_puremagic(header: bytes) -> _Match | None:
    best: _Signature | None = None
    best_length = 0
    # Most files match nothing: find the offsets whose two bytes start a signature in one comprehension
    # (a loop slicing and looking up each of the ~30 offsets cost 4.5 us a file).
    hits = [
        (offset, sigs)
        for (offset, groups), key in zip(_SIGNATURES, _KEYS_OF(header), strict=True)
        if (sigs := groups.get(key))
    ]
    for offset, sigs in hits:
        for sig in sigs:
            if not header.startswith(sig.magic, offset):
                continue
            found, length, is_narrowed = sig, len(sig.magic), False
            for part in sig.parts:
                part_length = part.offset + len(part.magic) - offset
                if part_length > length and header.startswith(part.magic, part.offset):
                    found, length, is_narrowed = part, part_length, True
            if found.kind is K.UNKNOWN or (sig.parts and not is_narrowed):
                continue  # e.g. RIFF with a sub-type we do not know says nothing about the kind
            if length > best_length:
                best, best_length = found, length
            break  # the rest of the group is shorter
    if best is None:
        return None
    text = _is_text(header)
    if best_length < 4 and text:
        return None  # "BM" or a bare MP3 frame sync at the start of a text file proves nothing
    if text and best.magic.isascii():
        strength = S.TEXTUAL
    elif best.ext in _CONTAINER_EXTS:
        strength = S.CONTAINER
    else:
        strength = S.SPECIFIC
    return _Match(best.kind, best.mime, strength)


def _sniff(header: bytes) -> _Match | None:
    header = header[:SNIFF_SIZE]
    if not header:
        return None
    return _sniff_special(header) or _sniff_puremagic(header)


def sniff(header: bytes) -> tuple[ContentKind, str | None] | None:
    """The kind and MIME type the first bytes of a file prove, or None when they prove nothing."""
    match = _sniff(header)
    return None if match is None else (match.kind, match.mime)


def detect_kind(ext: str, header: bytes | None) -> tuple[ContentKind, str | None]:
    """Kind and MIME type from the extension and, when given, the file's first bytes.

    Content wins when it is conclusive (a .txt that is a PNG is an image; an extensionless file starting
    with %PDF is a document); a shared container yields to a meaningful extension (a .docx is a ZIP);
    otherwise the extension decides, and for an unknown one, text versus binary.
    """
    kind, mime = _extension_info(ext)
    if not header:
        return kind, mime
    match = _sniff(header)
    if match is not None and (
        kind is K.UNKNOWN
        or match.strength is S.SPECIFIC
        or (match.strength is S.CONTAINER and kind in _TEXTUAL_KINDS)
    ):
        if match.kind is kind and match.strength is not S.SPECIFIC:
            return kind, mime or match.mime
        return match.kind, match.mime or (mime if match.kind is kind else None)
    if kind is K.UNKNOWN:
        return (K.TEXT, "text/plain") if _is_text(header[:SNIFF_SIZE]) else (K.BINARY, None)
    return kind, mime
