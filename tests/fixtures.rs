//! Runs every rule's fixtures: each `//~` annotation must be reported and every
//! finding must be annotated.

mod support;

macro_rules! fixture_tests {
    ($($name:ident => $id:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                support::check_fixture_dir($id);
            }
        )*
    };
}

fixture_tests! {
    lock_across_await => "lock-across-await",
    lock_across_blocking => "lock-across-blocking",
    lock_across_callback => "lock-across-callback",
    double_lock => "double-lock",
    lock_order_inversion => "lock-order-inversion",
    declared_lock_order => "declared-lock-order",
    check_then_act => "check-then-act",
    discarded_guard => "discarded-guard",
    blocking_in_async => "blocking-in-async",
    split_atomic_update => "split-atomic-update",
    pub_collection_field => "pub-collection-field",
    exposed_guard => "exposed-guard",
    global_mutable_state => "global-mutable-state",
    test_shared_state => "test-shared-state",
    condvar_misuse => "condvar-misuse",
    unsafe_send_sync => "unsafe-send-sync",
}

#[test]
fn annotations_parse() {
    let text = "let g = m.lock(); //~ lock-across-await \"held\"\nx.await; //~ lock-across-await (label)\n//~^ discarded-guard\n";
    let e = support::expectations(text);
    assert_eq!(e.len(), 3);
    assert_eq!(
        (e[0].line, e[0].is_label, e[0].text.as_deref()),
        (1, false, Some("held"))
    );
    assert_eq!((e[1].line, e[1].is_label), (2, true));
    assert_eq!((e[2].rule.as_str(), e[2].line), ("discarded-guard", 2));
}
