//! `Structure::from_molblock` + `standardize` + `inchikey` on arbitrary UTF-8 (V2000 and V3000 blocks,
//! SD records): never a panic, never a hang. A panic caught inside pw-chem (reported as
//! `StructureError::Internal`) is a finding too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pw_chem::{Structure, StructureError};

fn check<T>(r: Result<T, StructureError>) -> Option<T> {
    match r {
        Err(StructureError::Internal { during }) => panic!("toolkit panicked while {during}"),
        r => r.ok(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Some(st) = check(Structure::from_molblock(s)) else {
        return;
    };
    let std = st.standardize();
    let _ = check(st.inchikey());
    let _ = check(std.parent.inchikey());
    let _ = st.canonical_smiles();
});
