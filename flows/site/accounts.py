"""Accounts and rights: who may see and do what on the site.

Users live in a TOML file under the site's root (users.toml), one table per user name, with a
salted scrypt hash, never a password:

    [users.nn_zhang]
    display_name = "南宁市商务局 张三"
    role = "city"            # city | department | leader
    city = "南宁市"          # city staff only
    password = "scrypt$16384$8$1$<salt hex>$<hash hex>"

`etdz user add` writes it. City staff see and submit only their own city's zones and rows;
department staff see and submit everything; leaders only read reports. Every view asks this
module, on the server, before it reads anything.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

USERS_FILE = "users.toml"
ROLE_CITY, ROLE_DEPARTMENT, ROLE_LEADER = "city", "department", "leader"
ROLES = {ROLE_CITY: "设区市填报人员", ROLE_DEPARTMENT: "自治区商务厅工作人员",
         ROLE_LEADER: "领导（只读报告）"}
USER_NAME = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")

# scrypt at 16 MiB of memory: about 50 ms a check, so guessing is slow even with the hashes.
_N, _R, _P = 2**14, 8, 1


class AccountError(ValueError):
    """A user file or command that cannot be used; the message is Chinese."""


@dataclass(frozen=True)
class User:
    name: str
    display_name: str
    role: str
    city: str  # "" for department staff and leaders
    password: str  # the stored hash

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    # --- rights: the only place they are decided -----------------------------------------

    def may_submit(self) -> bool:
        return self.role in (ROLE_CITY, ROLE_DEPARTMENT)

    def may_see_city(self, city: str) -> bool:
        """Submissions, findings and the board rows of `city` ("" = province-wide data)."""
        if self.role == ROLE_DEPARTMENT:
            return True
        return self.role == ROLE_CITY and city == self.city

    def may_submit_for(self, city: str) -> bool:
        """City staff for their own city; department staff for any city or the whole region."""
        if self.role == ROLE_DEPARTMENT:
            return True
        return self.role == ROLE_CITY and city == self.city and city != ""

    def may_read_report_of(self, city: str) -> bool:
        """A zone's draft report: leaders and the department read all, city staff their own."""
        return self.role in (ROLE_DEPARTMENT, ROLE_LEADER) or (
            self.role == ROLE_CITY and city == self.city)

    def may_see_board(self) -> bool:
        return self.role in (ROLE_CITY, ROLE_DEPARTMENT)


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n),
                             r=int(r), p=int(p), dklen=len(digest) // 2)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got.hex(), digest)


# A check against this hash when the user name is unknown takes as long as a real one, so the
# answer's timing does not tell which user names exist.
_DUMMY_HASH = hash_password("", salt=b"\0" * 16)


def _parse(path: Path, cities: tuple[str, ...]) -> dict[str, User]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccountError(f"用户文件 {path} 不是合法的 TOML：{exc}") from exc
    users: dict[str, User] = {}
    problems = []
    for name, entry in (data.get("users") or {}).items():
        role = str(entry.get("role", ""))
        city = str(entry.get("city", ""))
        if role not in ROLES:
            problems.append(f"用户 {name} 的角色“{role}”无效（应为 city、department 或 leader）")
            continue
        if role == ROLE_CITY and city not in cities:
            problems.append(f"用户 {name} 是设区市填报人员，所在设区市“{city}”不在本地区的设区市中")
            continue
        users[name] = User(name, str(entry.get("display_name", name)), role,
                           city if role == ROLE_CITY else "", str(entry.get("password", "")))
    if problems:
        raise AccountError("；".join(problems))
    return users


class Accounts:
    """The user file, re-read when it changes (a user added while the site runs can log in)."""

    def __init__(self, path: Path, cities: tuple[str, ...]) -> None:
        self.path = path
        self.cities = cities
        self._stamp: tuple[int, int] | None = None
        self._users: dict[str, User] = {}
        self._lock = threading.Lock()

    def users(self) -> dict[str, User]:
        with self._lock:
            try:
                st = self.path.stat()
                stamp = (st.st_mtime_ns, st.st_size)
            except FileNotFoundError:
                stamp = (0, 0)
            if stamp != self._stamp:
                self._users = _parse(self.path, self.cities)
                self._stamp = stamp
            return self._users

    def get(self, name: str) -> User | None:
        return self.users().get(name)

    def authenticate(self, name: str, password: str) -> User | None:
        user = self.get(name)
        ok = check_password(password, user.password if user else _DUMMY_HASH)
        return user if ok and user is not None else None


def _toml_string(text: str) -> str:
    # TOML basic strings take JSON's escapes for quotes, backslashes and control characters
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped) + '"'


def add_user(path: Path, name: str, password: str, role: str, city: str = "",
             display_name: str = "", cities: tuple[str, ...] = ()) -> User:
    """Add or replace a user in the file (written through a temporary file, mode 0600)."""
    if not USER_NAME.match(name):
        raise AccountError("用户名只能用 2-32 个英文字母、数字、下划线、点或连字符")
    if role not in ROLES:
        raise AccountError(f"角色“{role}”无效：应为 city（设区市）、department（自治区商务厅）或 leader（领导）")
    if role == ROLE_CITY and city not in cities:
        raise AccountError(f"设区市“{city}”不在本地区的设区市中：{'、'.join(cities)}")
    if len(password) < 8:
        raise AccountError("密码至少 8 个字符")
    users = dict(_parse(path, cities))
    user = User(name, display_name or name, role, city if role == ROLE_CITY else "",
                hash_password(password))
    users[name] = user
    lines = ["# 经开区考核数据报送网站的用户（etdz user add 写入；密码只存加盐的 scrypt 散列）", ""]
    for u in users.values():
        lines += [f"[users.{u.name}]", f"display_name = {_toml_string(u.display_name)}",
                  f"role = {_toml_string(u.role)}"]
        if u.city:
            lines.append(f"city = {_toml_string(u.city)}")
        lines += [f"password = {_toml_string(u.password)}", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    tmp.replace(path)
    return user


class LoginThrottle:
    """Slows down guessing: after `free` failed logins for a user name or from an address within
    `window` seconds, each further attempt must wait twice as long as the last (1 s, 2 s, 4 s
    ... up to `ceiling`). Attempts inside the wait are refused without checking the password."""

    def __init__(self, free: int = 5, window: float = 900.0, ceiling: float = 300.0) -> None:
        self.free, self.window, self.ceiling = free, window, ceiling
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def wait_seconds(self, keys: list[str], now: float | None = None) -> float:
        """How long the caller must still wait before trying again (0: may try now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = []
            for key in keys:
                recent = self._recent(key, now)
                extra = len(recent) - self.free
                if extra >= 0:
                    delay = min(self.ceiling, 2.0 ** extra)
                    waits.append(recent[-1] + delay - now)
            return max([0.0, *waits])

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
