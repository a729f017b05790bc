fn main() {
    // include_dir! does not tell cargo about files added to the data directory; this does.
    println!("cargo::rerun-if-changed=../../data/registry");
}
