use ridermap_core::hours::{DEFAULT_TZ, Hours};
use std::time::Instant;
fn main() {
    let now = chrono::Utc::now();
    let t = Instant::now();
    for _ in 0..10000 {
        let h = Hours::parse("06:00-22:00").unwrap();
        std::hint::black_box(h);
    }
    println!("parse {:?}", t.elapsed() / 10000);
    let h = Hours::parse("06:00-22:00").unwrap();
    let t = Instant::now();
    for _ in 0..10000 {
        std::hint::black_box(h.open_at(now, DEFAULT_TZ));
    }
    println!("open_at {:?}", t.elapsed() / 10000);
    let t = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(h.state_at(now, DEFAULT_TZ));
    }
    println!("state_at {:?}", t.elapsed() / 1000);
    let h = Hours::parse("Mo-Fr 07:00-19:00").unwrap();
    let t = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(h.state_at(now, DEFAULT_TZ));
    }
    println!("state_at weekdays {:?}", t.elapsed() / 1000);
}
