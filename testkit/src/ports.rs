//! Free ports on 127.0.0.1 for the Asterisk instances and SIPp phones of
//! one test binary, so that tests and benchmarks run side by side.

use std::fs;
use std::net::{TcpListener, UdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};

/// The last port of the RTP range the test Asterisk uses (rtp.conf).
pub(crate) const RTP_END: u16 = 40000;

/// Blocks handed out so far by this process.
static NEXT_PORT: AtomicU32 = AtomicU32::new(0);

/// A free port on 127.0.0.1, first of a block of four that are all free
/// (UDP, and the first also TCP): SIPp's media takes a port and the three
/// after it. Blocks are handed out in turn, so two phones of this process
/// never get overlapping ones, from above the kernel's ephemeral range (no
/// socket gets a port there without asking for it) and above Asterisk's RTP
/// range (a call's RTP cannot take a phone's port).
pub fn free_port() -> u16 {
    let (low, high) = port_range();
    let slots = u32::from(high - low) / 4;
    // Test binaries running side by side start at different blocks.
    let start = std::process::id() % slots;
    loop {
        let n = NEXT_PORT.fetch_add(1, Ordering::SeqCst);
        let port = low + ((start + n) % slots * 4) as u16;
        let free = (0..4).all(|i| UdpSocket::bind(("127.0.0.1", port + i)).is_ok())
            && TcpListener::bind(("127.0.0.1", port)).is_ok();
        if free {
            return port;
        }
        assert!(n < 4 * slots, "no free block of ports in {low}-{high}");
    }
}

/// Where free_port() takes its blocks: above the kernel's ephemeral range
/// when there is room, else above the RTP range; aligned to four.
fn port_range() -> (u16, u16) {
    const TOP: u16 = 65532;
    let ephemeral_end = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u16>().ok())
        .unwrap_or(60999);
    let align = |p: u16| p.div_ceil(4) * 4;
    let above_ephemeral = align(ephemeral_end.max(RTP_END).saturating_add(1));
    if TOP.saturating_sub(above_ephemeral) >= 1024 {
        (above_ephemeral, TOP)
    } else {
        (align(RTP_END + 1), TOP)
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_tcp_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    listener.local_addr().unwrap().port()
}
