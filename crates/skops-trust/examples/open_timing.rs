//! Times the stages of opening a `.skops` file (JSON parse, schema, zip and members, validation,
//! audit): a profiling aid.
//!
//! `cargo run --release -p skops-trust --example open_timing -- FILE [ROUNDS]`

use std::time::Instant;

use skops_format::{Limits, SkopsFile, json, schema::Schema};
use skops_trust::ModelFile;

// The Python extension allocates with mimalloc; time what it runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: open_timing FILE [ROUNDS]")?;
    let rounds: u32 = args.next().map_or(Ok(20), |r| r.parse())?;
    let data = std::fs::read(&path)?;
    let limits = Limits::default();
    let file = ModelFile::open(&data, &limits)?;
    let schema_text = file.member("schema.json")?.into_owned();

    let time = |label: &str, f: &mut dyn FnMut() -> Result<(), Box<dyn std::error::Error>>| {
        // The fastest round: the others were slowed down by something else on the machine.
        let mut fastest = std::time::Duration::MAX;
        for _ in 0..rounds {
            let start = Instant::now();
            f()?;
            fastest = fastest.min(start.elapsed());
        }
        writeln_stdout(&format!("{label:<24} {fastest:>12.3?}"));
        Ok::<(), Box<dyn std::error::Error>>(())
    };
    time("json::parse_tape", &mut || {
        json::parse_tape(&schema_text, limits.max_json_depth)?;
        Ok(())
    })?;
    time("Schema::from_json", &mut || {
        Schema::from_json(&schema_text, &limits)?;
        Ok(())
    })?;
    time("SkopsFile::open", &mut || {
        SkopsFile::open(&data, &limits)?;
        Ok(())
    })?;
    time("open + validate", &mut || {
        ModelFile::open(&data, &limits)?.validate()?;
        Ok(())
    })?;
    time("audit", &mut || {
        file.audit(&[])?;
        Ok(())
    })?;
    Ok(())
}

fn writeln_stdout(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}
