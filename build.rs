//! Builds the C shim against Asterisk's headers and generates the Rust
//! bindings of the shim's header. Asterisk's headers are found in
//! ASTERISK_INCLUDE_DIR, in /usr/include when Asterisk's development files
//! are installed there, or in the cache that `scripts/setup` fills.

use std::env;
use std::path::{Path, PathBuf};

fn asterisk_include_dir() -> PathBuf {
    let candidates: Vec<PathBuf> = match env::var_os("ASTERISK_INCLUDE_DIR") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![
            PathBuf::from("/usr/include"),
            PathBuf::from(
                env::var("GROUPPICKUP_CACHE").unwrap_or_else(|_| "/var/cache/grouppickup".into()),
            )
            .join("include"),
        ],
    };
    for dir in &candidates {
        if dir.join("asterisk.h").is_file() && dir.join("asterisk/buildopts.h").is_file() {
            return dir.clone();
        }
    }
    panic!(
        "\n\nAsterisk's headers were not found (looked for asterisk.h and asterisk/buildopts.h in {}).\n\
         Run scripts/setup, which provisions Asterisk 22 and its headers, or set\n\
         ASTERISK_INCLUDE_DIR to the directory holding asterisk.h and asterisk/ of the\n\
         Asterisk the module will be loaded into (its build options must match).\n",
        candidates
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// The shim, one C file per facet (src/asterisk/shim/shim.h says what they
/// share). `bench.c` is compiled into benchmark builds only.
const SHIM_DIR: &str = "src/asterisk/shim";
const SHIM_FACETS: &[&str] = &[
    "module",
    "log",
    "config",
    "dialplan",
    "devstate",
    "db",
    "channel",
    "tones",
    "events",
    "functions",
    "cli",
    "ami",
    "message",
    "boot",
    "metrics",
];
const SHIM_BENCH: &str = "bench";

fn main() {
    println!("cargo:rerun-if-env-changed=ASTERISK_INCLUDE_DIR");
    println!("cargo:rerun-if-env-changed=GROUPPICKUP_CACHE");
    println!("cargo:rerun-if-changed=include/grouppickup.h");
    println!("cargo:rerun-if-changed={SHIM_DIR}/shim.h");

    let asterisk = asterisk_include_dir();
    println!(
        "cargo:rerun-if-changed={}",
        asterisk.join("asterisk/buildopts.h").display()
    );

    // The benchmark-only parts of the shim and its header (feature `bench`).
    let bench = env::var_os("CARGO_FEATURE_BENCH").is_some();

    // Asterisk's build passes these to every module; AST_MODULE_SELF_SYM is
    // mandatory for modules built outside Asterisk's tree.
    let mut shim = cc::Build::new();
    if bench {
        shim.define("GP_BENCH", "1");
    }
    // The test-only build whose entries fail on purpose (feature
    // `fault-injection`, tests/guard.rs and tests/under_load.rs).
    if env::var_os("CARGO_FEATURE_FAULT_INJECTION").is_some() {
        shim.define("GP_FAULT_INJECTION", "1");
    }
    let facets = SHIM_FACETS.iter().chain(bench.then_some(&SHIM_BENCH));
    for facet in facets {
        let file = format!("{SHIM_DIR}/{facet}.c");
        println!("cargo:rerun-if-changed={file}");
        shim.file(file);
    }
    shim.include("include")
        .include(SHIM_DIR)
        .include(&asterisk)
        .define("AST_MODULE", "\"app_grouppickup\"")
        .define("AST_MODULE_SELF_SYM", "__internal_app_grouppickup_self")
        .define("_GNU_SOURCE", None)
        .define("_REENTRANT", None)
        .flag_if_supported("-fno-strict-aliasing")
        .flag_if_supported("-Wno-unused-parameter")
        .flag_if_supported("-Wno-missing-field-initializers")
        .flag_if_supported("-Wno-sign-compare")
        // Asterisk's own headers trip this one.
        .flag_if_supported("-Wno-old-style-declaration")
        .warnings(true)
        .compile("grouppickup_shim");

    let header = Path::new("include/grouppickup.h");
    let bindings = bindgen::Builder::default()
        .header(header.to_string_lossy())
        .clang_args(bench.then_some("-DGP_BENCH=1"))
        .allowlist_function("gp_.*")
        .blocklist_function("gp_rs_.*")
        .allowlist_type("gp_.*")
        .opaque_type("ast_channel")
        .rustified_enum("gp_.*")
        .layout_tests(false)
        .generate()
        .expect("bindgen could not read include/grouppickup.h");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("shim.rs");
    bindings.write_to_file(out).expect("writing the bindings");
}
