//! Builds the C shim against an installed FreeSWITCH's headers and
//! generates the Rust bindings of our own header (include/gp_freeswitch.h).
//! FreeSWITCH is found by `pkg-config freeswitch`, or under the prefix in
//! FREESWITCH_PREFIX (its `include/freeswitch`), in that order of trust:
//! the environment variable wins when it is set.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where an installed FreeSWITCH keeps its headers and its library.
struct Found {
    includes: Vec<PathBuf>,
    libdir: PathBuf,
}

fn pkg_config(arg: &str) -> Option<String> {
    let out = Command::new("pkg-config")
        .args([arg, "freeswitch"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn find_freeswitch() -> Found {
    if let Some(prefix) = env::var_os("FREESWITCH_PREFIX") {
        let dir = PathBuf::from(&prefix).join("include/freeswitch");
        if dir.join("switch.h").is_file() {
            return Found {
                includes: vec![dir],
                libdir: PathBuf::from(&prefix).join("lib"),
            };
        }
        panic!(
            "\n\nFREESWITCH_PREFIX={} has no include/freeswitch/switch.h.\n\
             Point it at the prefix FreeSWITCH was installed to (with its headers),\n\
             or unset it to find FreeSWITCH with `pkg-config freeswitch`.\n",
            Path::new(&prefix).display()
        );
    }
    if let (Some(cflags), Some(libdir)) = (
        pkg_config("--cflags-only-I"),
        pkg_config("--variable=libdir"),
    ) {
        let includes: Vec<PathBuf> = cflags
            .split_whitespace()
            .filter_map(|f| f.strip_prefix("-I"))
            .map(PathBuf::from)
            .collect();
        if includes.iter().any(|d| d.join("switch.h").is_file()) {
            return Found {
                includes,
                libdir: PathBuf::from(libdir),
            };
        }
    }
    panic!(
        "\n\nFreeSWITCH's headers were not found: `pkg-config freeswitch` does not know it\n\
         (PKG_CONFIG_PATH={}) and FREESWITCH_PREFIX is not set.\n\
         mod_grouppickup is built against an installed FreeSWITCH 1.10 with its headers\n\
         (Debian: libfreeswitch-dev; a source build installs them under its prefix).\n\
         Set PKG_CONFIG_PATH to <prefix>/lib/pkgconfig, or FREESWITCH_PREFIX to <prefix>.\n",
        env::var("PKG_CONFIG_PATH").unwrap_or_default()
    );
}

fn main() {
    println!("cargo:rerun-if-env-changed=FREESWITCH_PREFIX");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-changed=include/gp_freeswitch.h");
    println!("cargo:rerun-if-changed=mod_grouppickup.map");
    let found = find_freeswitch();

    let mut shim = cc::Build::new();
    shim.include("include")
        .flag_if_supported("-Wno-unused-parameter")
        .flag_if_supported("-Wno-deprecated-declarations");
    for dir in &found.includes {
        shim.include(dir);
    }
    for facet in ["module", "host"] {
        let file = format!("shim/{facet}.c");
        println!("cargo:rerun-if-changed={file}");
        shim.file(file);
    }
    shim.compile("gp_freeswitch_shim");

    // Only the module interface symbol is exported (FreeSWITCH looks it up
    // by name); the symbols of FreeSWITCH itself are resolved at load.
    let map = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("mod_grouppickup.map");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        map.display()
    );
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,mod_grouppickup.so");
    // Linked against libfreeswitch like FreeSWITCH's own modules; the unit
    // tests' executables need it too, and find it at run time by the rpath.
    println!("cargo:rustc-link-search=native={}", found.libdir.display());
    println!("cargo:rustc-link-lib=dylib=freeswitch");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", found.libdir.display());

    let bindings = bindgen::Builder::default()
        .header("include/gp_freeswitch.h")
        .allowlist_function("gp_fs_.*")
        .allowlist_type("gp_fs_.*")
        .allowlist_var("GP_FS_.*")
        .rustified_enum("gp_fs_level")
        .generate()
        .expect("generating the bindings of include/gp_freeswitch.h");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("bindings.rs");
    bindings.write_to_file(out).expect("writing the bindings");
}
