//! `uniffi-bindgen`: generates the Kotlin and Swift sources from the built library
//! (library mode). Built in its own cargo invocation (`make build-uniffi`).
fn main() {
    uniffi::uniffi_bindgen_main()
}
