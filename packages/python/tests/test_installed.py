"""The tests exercise the installed wheel, not the source tree."""

import pathlib
import sysconfig

import mantra_sdk
from mantra_sdk import _native


def test_imported_from_site_packages_not_the_source_tree() -> None:
    site = pathlib.Path(sysconfig.get_paths()["purelib"]).resolve()
    pkg = pathlib.Path(mantra_sdk.__file__).resolve()
    assert site in pkg.parents, f"{pkg} is not under {site}"
    assert "packages/python/python" not in str(pkg)


def test_native_module_is_an_abi3_extension_with_stubs_and_marker() -> None:
    native = pathlib.Path(_native.__file__)
    assert native.name.endswith(".abi3.so") or native.suffix == ".pyd"
    pkg_dir = pathlib.Path(mantra_sdk.__file__).parent
    assert (pkg_dir / "py.typed").exists()
    assert (pkg_dir / "_native.pyi").exists()


def test_version_and_public_names() -> None:
    assert mantra_sdk.__version__ == _native.__version__
    assert mantra_sdk.__version__.count(".") == 2
    for name in mantra_sdk.__all__:
        assert hasattr(mantra_sdk, name), name
    assert mantra_sdk.HealthChecker.__module__ == "mantra_sdk._native"
