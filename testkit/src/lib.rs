//! Test and benchmark support: a real Asterisk with app_grouppickup.so
//! loaded, SIP phones around it (SIPp, and a small UDP phone), an AMI
//! client, free ports, and what the benchmarks measure.
//!
//! - `ports`: free ports on 127.0.0.1
//! - `pbx`: the Asterisk process, its files and its CLI
//! - `sipp`: SIPp phones, for a test's traced run or a benchmark's long one
//! - `ami`: the Asterisk Manager Interface client
//! - `sip`: reading SIP headers
//! - `uac`: a SIP phone that cancels at an exact moment
//! - `uas`: a SIP desk phone that answers after ringing, whatever crosses it
//! - `baresip`: real softphones (baresip), driven through their control port
//! - `measure`: CPU time, memory and log lines of a running Asterisk
//! - `bigconf`: a generated grouppickup.conf at benchmark scale
//! - `freeswitch`: a real FreeSWITCH with mod_grouppickup, and its event socket
//! - `redis`: Redis servers and sentinels for the cluster
//! - `cluster`: three Asterisks sharing one registry, the cluster's office
//! - `traffic`: steady calls and pickups in ten groups, and who answered them
//! - `sustained`: sustained pickups over SIP and the check of what the
//!   callers saw

pub mod ami;
pub mod baresip;
pub mod bigconf;
pub mod cluster;
pub mod freeswitch;
pub mod measure;
pub mod pbx;
pub mod ports;
pub mod redis;
pub mod sip;
pub mod sipp;
pub mod sustained;
pub mod traffic;
pub mod uac;
pub mod uas;

pub use ami::{ami_header, Ami};
pub use pbx::{
    fault_injection_module_path, memcheck, module_path, modules_conf, slow, tail, ChannelRow,
    NodeSpec, Pbx, PbxSpec, Phone, OFFICE_WITH_ALICE, REPO,
};
pub use ports::{free_port, free_tcp_port};
pub use sip::sip_header;
pub use sipp::{LongRun, Sipp, SippSpec};
