"""The id side channel: ids a sender can read must not tell a quiet decline or a block.

The attack (issue 9, finding 1): the sender owns a second account in a shared tribe and
mentions it in chat just before and just after (re-)sending a contact request. The second
account's two notification ids bracket the request. With one global counter, a gap of one
more means the recipient was notified; no extra gap means a silent block (first request) or
a quiet decline (withdraw and send again) — although every HTTP answer is identical.

Each arm is played on a fresh recipient, many times. What the sender can read (the gap
between the two ids, the second account's counts) must carry no information about the arm:
the counts are equal, the gaps are not counter-like, and the gaps of the notified arm cannot
be separated from those of the silent arm by any threshold. Under random ids the gaps of
both arms are exchangeable, so a perfect split happens by chance with probability
2 / C(2n, n) (n = TRIALS: about 7e-7); with a counter it happens every time.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import join

#: trials per arm
TRIALS = 12


class Attacker:
    """The sender, their second account and a tribe they share with every recipient."""

    def __init__(self, make_user: Any, make_tribe: Any) -> None:
        self.make_user = make_user
        self.sender = make_user("Sam Sender")
        self.second = make_user("Sockpuppet Second")
        self.tribe = make_tribe(self.sender, [self.second], name="Shared")
        self.slug = self.tribe["slug"]
        self.sent = 0

    def new_recipient(self) -> Any:
        """A fresh member of the shared tribe (invited by the sender, the owner)."""
        recipient = self.make_user()
        join(self.sender, recipient, self.slug)
        return recipient

    def mention_second(self) -> int:
        """Mention the second account in chat; the id of the notification it gets."""
        self.sent += 1
        posted = self.sender.post(
            f"tribes/{self.slug}/messages", {"body": "ping @Sockpuppet Second", "client_id": f"m{self.sent}"}
        )
        assert posted.status_code == 201, posted.get_json()
        items = self.second.get("notifications").get_json()["items"]
        assert items[0]["kind"] == "mention"
        return int(items[0]["id"])

    def counted(self) -> tuple[int, int]:
        """How many notifications, and unread ones, the second account has."""
        listed = self.second.get("notifications?limit=200").get_json()["items"]
        unread = self.second.get("notifications?unread=1&limit=200").get_json()["items"]
        return len(listed), len(unread)

    def observe(self, act: Any) -> tuple[int, tuple[Any, ...]]:
        """Bracket `act` with two mentions: (gap between the ids, everything else counted)."""
        counts_before = self.counted()
        before = self.mention_second()
        answer = act()
        after = self.mention_second()
        counts_after = self.counted()
        # Newest first, by time: the later mention heads the list whatever its id.
        listed = self.second.get("notifications").get_json()["items"]
        assert [n["id"] for n in listed[:2]] == [after, before]
        grown = tuple(b - a for a, b in zip(counts_before, counts_after, strict=True))
        return after - before, (grown, answer.status_code, tuple(sorted(answer.get_json())))

    def request(self, recipient: Any) -> Any:
        return self.sender.post("contacts/requests", {"user_id": recipient.user["id"], "message": "hi"})

    def withdraw_and_resend(self, recipient: Any) -> Any:
        outgoing = self.sender.get("contacts/requests/outgoing").get_json()["items"]
        mine = next(r for r in outgoing if r["to"]["id"] == recipient.user["id"])
        assert self.sender.delete(f"contacts/requests/{mine['id']}").status_code == 204
        return self.request(recipient)


def first_request_notified(attacker: Attacker) -> tuple[int, tuple[Any, ...]]:
    """The recipient gets a notification for the first request."""
    recipient = attacker.new_recipient()
    return attacker.observe(lambda: attacker.request(recipient))


def first_request_blocked(attacker: Attacker) -> tuple[int, tuple[Any, ...]]:
    """The recipient blocked the sender before: the request is swallowed, nobody is told."""
    recipient = attacker.new_recipient()
    assert recipient.post("blocks", {"user_id": attacker.sender.user["id"]}).status_code == 201
    return attacker.observe(lambda: attacker.request(recipient))


def resend_notified(attacker: Attacker) -> tuple[int, tuple[Any, ...]]:
    """Withdraw an unanswered request and send it again: the recipient is told again."""
    recipient = attacker.new_recipient()
    assert attacker.request(recipient).status_code == 202
    return attacker.observe(lambda: attacker.withdraw_and_resend(recipient))


def resend_declined(attacker: Attacker) -> tuple[int, tuple[Any, ...]]:
    """The recipient declined; withdraw and send again: quietly nobody is told."""
    recipient = attacker.new_recipient()
    assert attacker.request(recipient).status_code == 202
    rid = recipient.get("contacts/requests/incoming").get_json()["items"][0]["id"]
    assert recipient.post(f"contacts/requests/{rid}/decline").status_code == 204
    return attacker.observe(lambda: attacker.withdraw_and_resend(recipient))


def play(attacker: Attacker, arm: Any) -> tuple[list[int], set[tuple[Any, ...]]]:
    """TRIALS runs of one arm: the gaps, and the set of counted observations."""
    gaps, counts = [], set()
    for _ in range(TRIALS):
        gap, counted = arm(attacker)
        gaps.append(gap)
        counts.add(counted)
    return gaps, counts


def separable(notified: list[int], silent: list[int]) -> bool:
    """Whether a threshold on the gap tells the two arms apart perfectly."""
    return max(notified) < min(silent) or max(silent) < min(notified)


def assert_indistinguishable(attacker: Attacker, notified_arm: Any, silent_arm: Any) -> None:
    notified, notified_counts = play(attacker, notified_arm)
    silent, silent_counts = play(attacker, silent_arm)
    # What the sender counts and the answers they get are the same in both arms.
    assert notified_counts == silent_counts
    # The ids are not counter-like: no gap is small (a "gap of one" cannot even be formed).
    # Under random 53-bit ids a gap below 2^24 happens with probability ~4e-9 per trial.
    assert all(abs(gap) > 2**24 for gap in notified + silent), (notified, silent)
    # And no threshold on the gaps tells the notified arm from the silent one.
    assert not separable(notified, silent), (notified, silent)


def test_a_silent_block_cannot_be_read_from_notification_ids(make_user, make_tribe):
    attacker = Attacker(make_user, make_tribe)
    assert_indistinguishable(attacker, first_request_notified, first_request_blocked)


def test_a_quiet_decline_cannot_be_read_from_notification_ids(make_user, make_tribe):
    attacker = Attacker(make_user, make_tribe)
    assert_indistinguishable(attacker, resend_notified, resend_declined)


def test_contact_request_ids_do_not_count_other_peoples_requests(make_user, make_tribe):
    """Request ids are not sequential either: requests between other people (hidden from the
    sender, swallowed ones included) must not move the ids the sender reads."""
    attacker = Attacker(make_user, make_tribe)
    ids = []
    for arm in range(4):
        recipient = attacker.new_recipient()
        if arm % 2:
            assert recipient.post("blocks", {"user_id": attacker.sender.user["id"]}).status_code == 201
        ids.append(attacker.request(recipient).get_json()["id"])
    assert all(abs(b - a) > 2**24 for a, b in zip(ids, ids[1:], strict=False)), ids
