"""Accounts: salted password hashes, the user file and `etdz user add`, rights, throttling."""

from __future__ import annotations

import io
import stat

import pytest

from flows.cli import main as etdz
from flows.site.accounts import (
    USERS_FILE,
    AccountError,
    Accounts,
    LoginThrottle,
    User,
    add_user,
    check_password,
    hash_password,
)
from transforms.contract import region_cities


def test_password_hashes_are_salted_and_checked():
    first, second = hash_password("same password"), hash_password("same password")
    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert check_password("same password", first) and check_password("same password", second)
    assert not check_password("same passworD", first)
    assert not check_password("x", "not a hash") and not check_password("x", "")


def test_etdz_user_add_writes_a_private_file_without_the_password(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("秘密-password-1\n"))
    assert etdz(["user", "add", "--root", str(tmp_path), "nn", "--role", "city",
                 "--city", "南宁市", "--display-name", "南宁市 \"张三\""]) == 0
    assert "已保存用户 nn（设区市填报人员，南宁市）" in capsys.readouterr().out
    path = tmp_path / USERS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "秘密" not in path.read_text(encoding="utf-8")
    accounts = Accounts(path, region_cities())
    user = accounts.authenticate("nn", "秘密-password-1")
    assert user is not None and (user.role, user.city, user.display_name) == (
        "city", "南宁市", "南宁市 \"张三\"")
    assert accounts.authenticate("nn", "wrong-password") is None
    assert accounts.authenticate("nobody", "秘密-password-1") is None
    # a user added while the site runs can log in at once (the file is re-read when it changes)
    add_user(path, "boss", "leader-pass-1", "leader", cities=region_cities())
    assert accounts.authenticate("boss", "leader-pass-1").role == "leader"


@pytest.mark.parametrize("args, message", [
    (["--role", "city", "--city", "柳州"], "设区市“柳州”不在本地区的设区市中"),
    (["--role", "city"], "设区市“”不在本地区的设区市中"),
])
def test_etdz_user_add_refuses_a_city_not_in_the_region(tmp_path, monkeypatch, capsys, args,
                                                         message):
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-1\n"))
    assert etdz(["user", "add", "--root", str(tmp_path), "nn", *args]) == 3
    assert message in capsys.readouterr().err
    assert not (tmp_path / USERS_FILE).exists()


def test_add_user_refusals(tmp_path):
    path, cities = tmp_path / USERS_FILE, region_cities()
    with pytest.raises(AccountError, match="至少 8 个字符"):
        add_user(path, "nn", "short", "department", cities=cities)
    with pytest.raises(AccountError, match="用户名只能用"):
        add_user(path, "../x", "long-enough-1", "department", cities=cities)


def test_a_broken_user_file_is_named_in_chinese(tmp_path):
    path = tmp_path / USERS_FILE
    path.write_text('[users.x]\nrole = "admin"\n', encoding="utf-8")
    with pytest.raises(AccountError, match="用户 x 的角色“admin”无效"):
        Accounts(path, region_cities()).users()


def test_rights():
    city = User("nn", "nn", "city", "南宁市", "")
    department = User("d", "d", "department", "", "")
    leader = User("b", "b", "leader", "", "")
    assert city.may_see_city("南宁市") and not city.may_see_city("柳州市")
    assert not city.may_see_city("")  # region-wide submissions are the department's
    assert city.may_submit_for("南宁市") and not city.may_submit_for("柳州市")
    assert not city.may_submit_for("")
    assert department.may_submit_for("") and department.may_see_city("柳州市")
    assert not leader.may_submit() and not leader.may_see_board()
    assert leader.may_read_report_of("柳州市") and not city.may_read_report_of("柳州市")


def test_throttle_doubles_the_wait_after_the_free_attempts():
    throttle = LoginThrottle(free=3, window=900, ceiling=8)
    keys = ["user:nn"]
    for t in (0, 1, 2):
        assert throttle.wait_seconds(keys, now=t) == 0
        throttle.failed(keys, now=t)
    # the 4th attempt waits 1 s after the 3rd failure, then 2 s, 4 s, 8 s, and no more
    assert throttle.wait_seconds(keys, now=2.5) == pytest.approx(0.5)
    assert throttle.wait_seconds(keys, now=3) == 0
    waits = []
    for t in (10, 20, 30, 40):
        throttle.failed(keys, now=t)
        waits.append(throttle.wait_seconds(keys, now=t))
    assert waits == [2, 4, 8, 8]
    # failures older than the window are forgotten; a success forgets at once
    assert throttle.wait_seconds(keys, now=40 + 900) == 0
    throttle.failed(keys, now=1000)
    throttle.succeeded(keys)
    assert throttle.wait_seconds(keys, now=1000) == 0
