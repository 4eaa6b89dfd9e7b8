//! The only file that knows about JavaScript: four exports over [`crate::boundary`], strings in
//! and out. No `JsValue` crosses, so there is nothing to free and no handle to leak.

use wasm_bindgen::prelude::wasm_bindgen;

/// See [`crate::boundary::start`].
#[wasm_bindgen]
pub fn start(input: &str) -> String {
    crate::boundary::start(input)
}

/// See [`crate::boundary::resume`].
#[wasm_bindgen]
pub fn resume(input: &str) -> String {
    crate::boundary::resume(input)
}

/// See [`crate::boundary::import_record`].
#[wasm_bindgen]
pub fn import_record(input: &str) -> String {
    crate::boundary::import_record(input)
}

/// See [`crate::boundary::build_info`].
#[wasm_bindgen]
pub fn build_info() -> String {
    crate::boundary::build_info()
}
