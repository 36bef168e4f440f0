//! Writes the build date (unix seconds) for the engine's "clock not set" floor.
//! SOURCE_DATE_EPOCH, when set, is used instead of the clock (reproducible builds).
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=build.rs");
    let t = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => s.trim().parse::<i64>().expect("SOURCE_DATE_EPOCH must be unix seconds"),
        Err(_) => SystemTime::now().duration_since(UNIX_EPOCH).expect("clock before 1970").as_secs() as i64,
    };
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("build_time.rs");
    std::fs::write(out, format!("const BUILD_UNIX_TIME: i64 = {t};\n")).unwrap();
}
