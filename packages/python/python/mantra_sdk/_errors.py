"""The exception tree of mantra-sdk: one class per stable error code of the Rust core.

This module is the only place the tree is defined. The native module raises these classes
through :func:`_from_native`, which receives the core error's ``code``, its message and its
structured fields; Python code imports them from :mod:`mantra_sdk`.

Every exception carries ``.code`` (the core's ``Error::code()``, identical in every language
binding) and ``.message``. Errors caused by bad input also derive from the matching built-in
(``ValueError``, ``TypeError``, ``TimeoutError``), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type

__all__ = [
    "MantraError",
    "InvalidConfigError",
    "InvalidArgumentError",
    "MantraTypeError",
    "MantraTimeoutError",
    "TransportError",
    "RpcError",
    "BatchLimitError",
    "CircuitOpenError",
    "DecodeError",
    "EncodeError",
    "PoolExhaustedError",
    "CapacityExceededError",
    "ClosedError",
    "MantraCancelledError",
    "HostError",
    "HealthCheckError",
    "InternalError",
]


class MantraError(Exception):
    """Base class of every error raised by mantra-sdk.

    ``code`` is the stable machine-readable code of the Rust core (``"timeout"``,
    ``"invalid_config"``, ...); ``message`` is the human-readable text.
    """

    code: str = "internal"

    def __init__(self, message: str = "", *, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


class InvalidConfigError(MantraError, ValueError):
    """A configuration value is out of range; ``field`` names it (e.g. ``"check_timeout"``)."""

    code = "invalid_config"

    def __init__(self, message: str = "", *, field: str = "", code: Optional[str] = None) -> None:
        super().__init__(message, code=code)
        self.field = field


class InvalidArgumentError(MantraError, ValueError):
    """An argument supplied at call time is not acceptable (empty name, unknown check, ...)."""

    code = "invalid_argument"


class MantraTypeError(MantraError, TypeError):
    """An argument has the wrong type (e.g. a check that is not callable)."""

    code = "invalid_argument"


class MantraTimeoutError(MantraError, TimeoutError):
    """The operation did not finish within its deadline (``after``, in seconds)."""

    code = "timeout"

    def __init__(
        self,
        message: str = "",
        *,
        operation: str = "",
        after: float = 0.0,
        code: Optional[str] = None,
    ) -> None:
        super().__init__(message, code=code)
        self.operation = operation
        self.after = after


class TransportError(MantraError):
    """Network or HTTP-level failure; ``status`` is the HTTP status when one was received,
    ``retry_after`` the server's requested delay in seconds."""

    code = "transport"

    def __init__(
        self,
        message: str = "",
        *,
        status: Optional[int] = None,
        retry_after: Optional[float] = None,
        code: Optional[str] = None,
    ) -> None:
        super().__init__(message, code=code)
        self.status = status
        self.retry_after = retry_after


class RpcError(MantraError):
    """The node answered with a JSON-RPC error object (``rpc_code``, ``rpc_message``, ``data``)."""

    code = "rpc"

    def __init__(
        self,
        message: str = "",
        *,
        rpc_code: int = 0,
        rpc_message: str = "",
        data: Optional[str] = None,
        code: Optional[str] = None,
    ) -> None:
        super().__init__(message, code=code)
        self.rpc_code = rpc_code
        self.rpc_message = rpc_message
        self.data = data


class BatchLimitError(MantraError):
    """The node refused a batch of ``size`` requests; ``max`` is its limit."""

    code = "batch_limit"

    def __init__(
        self, message: str = "", *, size: int = 0, max: int = 0, code: Optional[str] = None
    ) -> None:
        super().__init__(message, code=code)
        self.size = size
        self.max = max


class CircuitOpenError(MantraError):
    """The circuit breaker of ``endpoint`` (redacted URL) is open."""

    code = "circuit_open"

    def __init__(self, message: str = "", *, endpoint: str = "", code: Optional[str] = None) -> None:
        super().__init__(message, code=code)
        self.endpoint = endpoint


class DecodeError(MantraError, ValueError):
    """A reply could not be decoded."""

    code = "decode"


class EncodeError(MantraError, ValueError):
    """A value could not be encoded."""

    code = "encode"


class PoolExhaustedError(MantraError):
    """No connection permit became free within the acquire timeout."""

    code = "pool_exhausted"


class CapacityExceededError(MantraError):
    """A size budget would be exceeded (cache bytes, memory limit, cardinality cap)."""

    code = "capacity_exceeded"


class ClosedError(MantraError):
    """The component was closed or stopped."""

    code = "closed"


class MantraCancelledError(MantraError):
    """The request was cancelled before it completed."""

    code = "cancelled"


class HostError(MantraError):
    """An error raised by host code: your executor, check, transport or callback."""

    code = "host"


class HealthCheckError(MantraError):
    """The health check ``check`` failed."""

    code = "health_check"

    def __init__(self, message: str = "", *, check: str = "", code: Optional[str] = None) -> None:
        super().__init__(message, code=code)
        self.check = check


class InternalError(MantraError):
    """A bug inside the SDK (e.g. a caught Rust panic). Never expected; please report it."""

    code = "internal"


_BY_CODE: Dict[str, Type[MantraError]] = {
    cls.code: cls
    for cls in (
        InvalidConfigError,
        InvalidArgumentError,
        MantraTimeoutError,
        TransportError,
        RpcError,
        BatchLimitError,
        CircuitOpenError,
        DecodeError,
        EncodeError,
        PoolExhaustedError,
        CapacityExceededError,
        ClosedError,
        MantraCancelledError,
        HostError,
        HealthCheckError,
        InternalError,
    )
}

for _cls in (MantraError, MantraTypeError, *_BY_CODE.values()):
    _cls.__module__ = "mantra_sdk"


def _from_native(code: str, message: str, fields: Mapping[str, Any]) -> MantraError:
    """Builds the exception for a core error (called by the native module only).

    An unknown code (a core newer than this file) still yields a ``MantraError`` with that
    code, so ``.code`` is always the core's.
    """
    cls = _BY_CODE.get(code)
    if cls is None:
        return MantraError(message, code=code)
    return cls(message, **fields)
