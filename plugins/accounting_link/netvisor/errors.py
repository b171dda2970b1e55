"""What can go wrong talking to Netvisor; ``str()`` of each is a reason to show the user."""

from __future__ import annotations


class NetvisorError(Exception):
    """Netvisor refused the request or could not be reached."""


class NetvisorFailed(NetvisorError):
    """Netvisor answered FAILED; ``message`` is its own explanation."""

    def __init__(self, message: str) -> None:
        super().__init__(f"Netvisor refused the request: {message}")
        self.message = message


class NetvisorTimeout(NetvisorError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"Netvisor did not answer within {seconds:g} seconds.")
        self.seconds = seconds


class NetvisorMalformed(NetvisorError):
    """The answer was not the XML Netvisor gives."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Netvisor's answer could not be read: {detail}")
        self.detail = detail


class NetvisorHTTPError(NetvisorError):
    def __init__(self, status: int, reason: str = "") -> None:
        super().__init__(f"Netvisor answered HTTP {status} {reason}".rstrip() + ".")
        self.status = status
        self.reason = reason
