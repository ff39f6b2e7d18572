"""`etdz web` and `etdz user`: serving the site, and adding its users."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import uvicorn

from flows.site.accounts import ROLE_DEPARTMENT, USERS_FILE, AccountError, User, add_user
from flows.site.app import Site, SiteConfig, create_app
from flows.site.inbox import inbox_dir
from flows.site.nights import default_nightly_dir
from transforms.contract import region_cities

DEMO_USER = User("demo", "示例数据", ROLE_DEPARTMENT, "", "")


def seed_demo(config: SiteConfig) -> int:
    """Submit the bundled demo data for the whole region, once (an empty site only)."""
    site = Site(config)
    if site.store.for_year(config.year):
        return 0
    print("正在提交示例数据（首次启动，逐个文件校验）……", flush=True)
    subs = site.seed_demo(DEMO_USER)
    for s in subs:
        print(f"  {s.submission_id} {s.file}：{s.status_label}", flush=True)
    return len(subs)


def serve(config: SiteConfig, host: str, port: int, demo: bool = False,
          forwarded_allow_ips: str = "127.0.0.1") -> None:
    if demo:
        seed_demo(config)
    app = create_app(config)
    app.state.site.accounts.users()  # a broken user file stops here, named, not at a login
    if not (config.root / USERS_FILE).is_file():
        print(f"提示：还没有用户，请先运行 etdz user add --root {config.root} ……", flush=True)
    print(f"经开区考核数据报送网站：http://{host}:{port}/（数据目录 {config.root}，"
          f"{config.year} 年度；正在加载校验组件，约 10 秒）", flush=True)
    nightly = config.nightly_dir or default_nightly_dir(config.root, config.year)
    print(f"收件箱 {inbox_dir(config.root, config.year)}（夜间校验的 --data）；"
          f"夜间校验输出 {nightly}（夜间校验的 --out，报送情况页显示每晚的问题）", flush=True)
    # proxy_headers: behind the department's reverse proxy the client address (login throttle,
    # logs) and the scheme come from X-Forwarded-* set by the proxy, trusted from it only.
    uvicorn.run(app, host=host, port=port, proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips, log_level="info")


def read_new_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("新密码（至少 8 个字符）：")
    if getpass.getpass("再输入一次：") != first:
        raise AccountError("两次输入的密码不一致")
    return first


def add_user_command(root: Path, name: str, role: str, city: str, display_name: str,
                     password_stdin: bool) -> User:
    password = read_new_password(password_stdin)
    return add_user(root / USERS_FILE, name, password, role, city, display_name,
                    region_cities())
