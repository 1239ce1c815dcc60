"""Infrastructure: database, event bus, jobs, control socket."""
