//! Integration tests of the hub: a real server on 127.0.0.1 and a raw HTTP/1.1 client, so
//! tests can send what no well-behaved client would (malformed bodies, bad paths, a body cut
//! off mid-way).

mod bad_input;
mod concurrency;
mod downloads;
mod pages;
mod serving;
mod store_failures;
mod support;
