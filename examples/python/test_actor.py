"""Actors (librelease 1.4: Store(actor=...), Store.actor, Release.actor,
Build.actor), run by `meson test --suite python` on the memory and the
file store.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_actor.py -v
"""

import os
import pwd
import socket
import unittest

from librelease import Invalid, Store
from test_librelease import APP, BUILD_DESCRIPTION, Case, FakeClock


def default_actor():
    """What the library records when told nothing: "<login name>@<host name>"."""
    return "%s@%s" % (pwd.getpwuid(os.geteuid()).pw_name, socket.gethostname())


class Actors:
    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.store = self.open(self.uri(), clock=FakeClock(), actor="alice@example.com")

    def test_the_actor_given_at_open_is_the_stores(self):
        self.assertEqual(self.store.actor, "alice@example.com")

    def test_without_one_the_actor_is_login_at_host(self):
        self.assertEqual(self.open(self.uri()).actor, default_actor())

    def test_builds_and_releases_record_their_actor(self):
        build, first = self.seed_app(self.store)
        self.assertEqual((build.actor, first.actor), ("alice@example.com",) * 2)
        self.assertEqual(self.store.build(APP, build.id).actor, "alice@example.com")
        self.assertEqual(self.store.release(APP, first.id).actor, "alice@example.com")

    def test_an_actor_set_later_records_what_comes_after(self):
        _, first = self.seed_app(self.store)
        self.store.actor = "bob"
        second = self.store.env_set(APP, {"FOO": "bar"})
        self.assertEqual([r.actor for r in self.store.releases(APP)], ["bob", first.actor])
        self.assertEqual(second.actor, "bob")

    def test_the_actor_of_each_call_for_a_server_acting_for_many(self):
        self.seed_app(self.store)
        made = []
        for who in ("carol", "dave"):
            self.store.actor = who
            made.append(self.store.env_set(APP, {"WHO": who}).actor)
        self.assertEqual(made, ["carol", "dave"])

    def test_apps_and_settings_record_who_made_them(self):
        self.store.create_app(APP)
        self.assertEqual(self.store.app(APP).actor, "alice@example.com")
        self.assertIsNone(self.store.settings(APP).actor)
        self.store.actor = "security"
        self.store.update_settings(APP, mask_add="TOKEN")
        self.assertEqual(self.store.settings(APP).actor, "security")
        self.assertEqual(self.store.app(APP).actor, "alice@example.com")

    def test_none_restores_the_default(self):
        self.store.actor = None
        self.assertEqual(self.store.actor, default_actor())
        self.store.create_app(APP)
        self.assertEqual(self.store.create_build(APP, "b").actor, default_actor())

    def test_a_rollbacks_copy_records_who_rolled_back(self):
        _, first = self.seed_app(self.store)
        self.store.promote(APP, self.store.env_set(APP, {"FOO": "bar"}))
        self.store.actor = "oncall"
        self.assertEqual(self.store.rollback(APP, first).actor, "oncall")

    def test_an_actor_is_kept_exactly(self):
        self.store.actor = "Zoë <zoe@example.com> via ci"
        self.store.create_app(APP)
        build = self.store.create_build(APP, BUILD_DESCRIPTION)
        self.assertEqual(self.store.build(APP, build.id).actor, "Zoë <zoe@example.com> via ci")

    def test_256_bytes_is_the_longest_actor(self):
        self.store.actor = "é" * 128
        self.assertEqual(self.store.actor, "é" * 128)
        with self.assertRaises(Invalid):
            self.store.actor = "x" * 257

    def test_an_invalid_actor_is_refused_and_the_actor_kept(self):
        for bad in ("", "a\nb", "tab\there", "del\x7f", "c1\x85"):
            with self.subTest(actor=bad), self.assertRaises(Invalid):
                self.store.actor = bad
            self.assertEqual(self.store.actor, "alice@example.com")

    def test_a_store_opened_with_an_invalid_actor_is_refused(self):
        with self.assertRaises(Invalid):
            Store(self.uri(), actor="a\nb")

    def test_an_actor_is_a_str(self):
        with self.assertRaises(TypeError):
            self.store.actor = b"alice"
        with self.assertRaises(TypeError):
            Store(self.uri(), actor=42)

    def test_an_actor_with_no_utf8_form_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.actor = "lone \udc80 surrogate"
        with self.assertRaises(Invalid):
            self.store.actor = "nul\0inside"
        self.assertEqual(self.store.actor, "alice@example.com")

    def test_a_closed_store_has_no_actor(self):
        store = Store(self.uri())
        store.close()
        with self.assertRaises(ValueError):
            store.actor
        with self.assertRaises(ValueError):
            store.actor = "x"


class ActorsMemory(Actors, Case):
    def uri(self):
        return "memory:"


class ActorsFile(Actors, Case):
    def uri(self):
        return self.file_uri()

    def test_another_handle_reads_who_wrote(self):
        build, first = self.seed_app(self.store)
        reader = self.open(self.uri(), actor="reader")
        self.assertEqual(reader.release(APP, first.id).actor, "alice@example.com")
        self.assertEqual(reader.build(APP, build.id).actor, "alice@example.com")


if __name__ == "__main__":
    unittest.main(verbosity=2)
