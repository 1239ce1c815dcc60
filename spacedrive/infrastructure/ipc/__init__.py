"""The local control socket: a server in the daemon and the GUI, clients in the CLI."""
