//! Leaving the cluster leaves nothing behind, within a second, even when
//! the registry does not answer (its own test binary: it counts the
//! process's threads and sockets).

mod support;

use std::time::{Duration, Instant};
use support::{call, server, sockets, threads, wait_until, Member, Server};

#[test]
fn stop_takes_under_a_second_and_leaves_no_thread_or_socket_even_when_the_registry_is_frozen() {
    let redis = Server::redis(None, "");
    let (threads_before, sockets_before) = (threads(), sockets());
    let a = Member::join("pbx-a", server(&redis.url()), "");
    a.wait_connected();
    for id in 0..20 {
        a.cluster
            .publish(call("pbx-a", 1_000 + id, "*101", "alice"));
    }
    assert!(threads() > threads_before, "the worker runs");
    redis.freeze();
    // Work queued while the registry does not answer.
    for id in 0..20 {
        a.cluster.remove(1_000 + id);
    }
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    a.cluster.stop();
    let took = t.elapsed();
    assert!(took < Duration::from_secs(1), "stop took {took:?}");
    drop(a);
    wait_until("threads back", Duration::from_secs(2), || {
        threads() == threads_before
    });
    assert_eq!(sockets(), sockets_before, "no socket left");
    redis.thaw();
    println!("stop with a frozen registry took {took:?}");
}
