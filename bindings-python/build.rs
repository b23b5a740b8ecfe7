//! Exposes pyo3's interpreter cfgs (`Py_3_10`, `Py_LIMITED_API`, ...) to this crate, so the
//! string fast path can borrow UTF-8 where the stable ABI allows it (abi3 >= 3.10).
fn main() {
    pyo3_build_config::print_expected_cfgs();
    pyo3_build_config::use_pyo3_cfgs();
}
