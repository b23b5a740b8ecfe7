"""The exception tree, the core-error mapping, bad input and the panic guard."""

import asyncio
import math
import pickle
from typing import Any, Dict

import pytest

import mantra_sdk
from mantra_sdk import (
    HealthChecker,
    HealthConfig,
    InternalError,
    InvalidArgumentError,
    InvalidConfigError,
    MantraError,
    MantraTimeoutError,
    MantraTypeError,
)
from mantra_sdk import _errors, _native

ERROR_CLASSES = [getattr(mantra_sdk, n) for n in mantra_sdk.__all__ if n.endswith("Error")]

# The core's stable codes (core/src/error.rs, Error::code); each has exactly one class.
CORE_CODES = {
    "invalid_config",
    "invalid_argument",
    "timeout",
    "transport",
    "rpc",
    "batch_limit",
    "circuit_open",
    "decode",
    "encode",
    "pool_exhausted",
    "capacity_exceeded",
    "closed",
    "cancelled",
    "host",
    "health_check",
    "internal",
}


def test_every_error_is_a_mantra_error_with_a_code() -> None:
    assert len(ERROR_CLASSES) >= 17
    for cls in ERROR_CLASSES:
        assert issubclass(cls, MantraError)
        assert isinstance(cls.code, str) and cls.code
        assert cls.__module__ == "mantra_sdk"


def test_each_core_code_maps_to_its_own_class() -> None:
    assert set(_errors._BY_CODE) == CORE_CODES
    for code in CORE_CODES:
        exc = _errors._from_native(code, "msg", {})
        assert isinstance(exc, MantraError)
        assert exc.code == code
        assert str(exc) == "msg"


def test_unknown_code_still_keeps_the_code() -> None:
    exc = _errors._from_native("brand_new", "x", {})
    assert type(exc) is MantraError
    assert exc.code == "brand_new"


def test_builtin_bases_for_bad_input_and_timeouts() -> None:
    assert issubclass(InvalidConfigError, ValueError)
    assert issubclass(InvalidArgumentError, ValueError)
    assert issubclass(MantraTypeError, TypeError)
    assert issubclass(MantraTimeoutError, TimeoutError)
    rpc = _errors._from_native(
        "rpc", "rpc error -32603: boom", {"rpc_code": -32603, "rpc_message": "boom", "data": None}
    )
    assert isinstance(rpc, mantra_sdk.RpcError)
    assert rpc.rpc_code == -32603
    timeout = _errors._from_native("timeout", "t", {"operation": "op", "after": 1.5})
    assert isinstance(timeout, mantra_sdk.MantraTimeoutError) and isinstance(timeout, TimeoutError)
    assert timeout.after == 1.5


def test_errors_pickle_with_their_fields() -> None:
    exc = _errors._from_native("invalid_config", "bad", {"field": "check_timeout"})
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is InvalidConfigError
    assert back.field == "check_timeout" and back.code == "invalid_config"


@pytest.mark.parametrize(
    "field, value",
    [
        ("check_interval", 0),
        ("check_timeout", 0.0),
        ("check_timeout", -1.0),
        ("check_timeout", math.nan),
        ("check_interval", math.inf),
        ("recovery_timeout", 0),
        ("failure_threshold", 0),
        ("failure_threshold", -3),
        ("recovery_threshold", 0),
        ("recovery_threshold", 2**40),
        ("history_size", -1),
    ],
)
def test_invalid_config_names_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidConfigError) as info:
        HealthConfig(**{field: value})  # type: ignore[arg-type]
    assert info.value.field == field
    assert info.value.code == "invalid_config"
    assert field in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"check_timeout": "10"},
        {"failure_threshold": 2.5},
        {"failure_threshold": "3"},
        {"failure_threshold": True},
        {"enable_diagnostics": 1},
        {"service_name": 5},
    ],
)
def test_wrong_config_types_raise_type_error(kwargs: Dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        HealthConfig(**kwargs)


def test_positional_config_arguments_are_rejected() -> None:
    with pytest.raises(TypeError):
        HealthConfig(30.0)  # type: ignore[call-arg]


def test_wrong_argument_types_to_the_checker() -> None:
    with pytest.raises(TypeError):
        HealthChecker({"check_timeout": 1.0})  # type: ignore[arg-type]
    checker = HealthChecker()
    with pytest.raises(MantraTypeError) as info:
        checker.register_check("x", 42)  # type: ignore[arg-type]
    assert info.value.code == "invalid_argument"
    with pytest.raises(TypeError):
        checker.register_check(7, lambda: None)  # type: ignore[arg-type]
    with pytest.raises(InvalidConfigError) as cfg:
        checker.register_check("x", lambda: None, timeout=0)
    assert cfg.value.field == "timeout"
    with pytest.raises(InvalidConfigError):
        checker.register_check("x", lambda: None, timeout=-1)
    with pytest.raises(InvalidArgumentError):
        checker.register_check("  ", lambda: None)
    assert checker.check_names() == []


def test_a_rust_panic_is_an_internal_error_not_a_panic_exception() -> None:
    with pytest.raises(InternalError) as info:
        _native._panic_for_tests("sync")
    assert info.value.code == "internal"
    assert "deliberate panic" in str(info.value)


def test_a_panic_inside_a_future_is_an_internal_error() -> None:
    async def main() -> None:
        with pytest.raises(InternalError) as info:
            await _native._panic_for_tests("async")
        assert info.value.code == "internal"

    asyncio.run(main())
