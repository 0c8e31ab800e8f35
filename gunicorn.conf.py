"""gunicorn settings read from the checkout's root: access lines that keep no keys.

Order links, tickets, privacy and password links carry their key in the address; an
access log (`--access-logfile`) must not turn into a list of them.
"""

from gunicorn.glogging import Logger

from marketplace.web.security import redact_address

# Apache's combined format, minus the user agent; the atoms are redacted below.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" %(L)s'


class RedactingLogger(Logger):
    """gunicorn's logger, with every address-like atom passed through redact_address."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if isinstance(value, str) and name not in ("h", "t", "a", "{user-agent}i"):
                atoms[name] = redact_address(value)
        return atoms


logger_class = RedactingLogger
