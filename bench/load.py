"""Load test the portal as residents use it, against gunicorn as run in production.

Each simulated resident has its own cookie jar and, in a loop: fetches a measure page, sends a
unique 200-800-character comment in Japanese, Vietnamese or Nepali with the form's CSRF token
(and any other hidden field), follows the redirect and reads the receipt. Then the same clients
fetch a static file, the home page and a measure page for a few seconds each, so their rates
can be compared with what the same server does for a file on disk.

Afterwards every receipt a client got must be exactly one stored comment with the text sent,
and every stored comment must be one receipt.

Usage (from the repository root, in the project's virtualenv):

    python bench/load.py --clients 50 --seconds 30                 # SQLite in a temp dir
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        python bench/load.py --clients 50 --seconds 30 --workers 2  # schema dropped and rebuilt
    python bench/load.py --instances 2 --nginx ...                 # two gunicorns behind nginx
    ... --job-worker            # also `portal worker`, which works the jobs the requests queue

The database named by DATABASE_URL is emptied: never point it at real data. Redis db given
by REDIS_URL is flushed too.
"""

from __future__ import annotations

import argparse
import html
import http.client
import multiprocessing
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchapp import sqlalchemy_url  # noqa: E402

_HIDDEN = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")
_ATTR = re.compile(r'(name|value)="([^"]*)"')
_RECEIPT = re.compile(r'class="receipt-number">([^<]+)<')
_KEY = re.compile(r'class="access-key">([^<]+)<')
_MEASURE_LINK = re.compile(r'href="/ja/measures/(\d+-\d+)"')

# Sentences residents might write; comments are built from them plus a unique serial.
SENTENCES = {
    "ja": [
        "行政改革の方向性には賛成ですが、窓口の待ち時間がまだ長いと感じています。",
        "オンライン申請を増やすときは、高齢者やスマートフォンを持たない人への支援も考えてください。",
        "公共施設の統廃合については、地域ごとの説明会を開いてから決めてほしいです。",
        "外国人住民にも分かるように、やさしい日本語での案内を増やしてください。",
        "市の職員の皆さんの努力には感謝していますが、手続きの簡素化をもっと進めてほしいです。",
        "財政の見通しを分かりやすい図で公開していただけると、市民も議論に参加しやすくなります。",
        "子育て世代の声を聞く機会を、平日の夜や週末にも設けてください。",
    ],
    "vi": [
        "Tôi đồng ý với hướng cải cách hành chính, nhưng thời gian chờ ở quầy vẫn còn dài.",
        "Khi tăng thủ tục trực tuyến, xin hãy hỗ trợ người cao tuổi và người không có điện thoại thông minh.",
        "Tôi mong thành phố tổ chức buổi giải thích ở từng khu vực trước khi sáp nhập cơ sở công cộng.",
        "Xin hãy có thêm hướng dẫn bằng tiếng Nhật dễ hiểu và tiếng Việt cho cư dân nước ngoài.",
        "Tôi cảm ơn nhân viên thành phố, nhưng mong thủ tục được đơn giản hơn nữa.",
        "Nếu ngân sách được công bố bằng biểu đồ dễ hiểu, người dân sẽ dễ tham gia thảo luận hơn.",
    ],
    "ne": [
        "म प्रशासनिक सुधारको दिशासँग सहमत छु, तर काउन्टरमा पर्खने समय अझै लामो छ।",
        "अनलाइन आवेदन बढाउँदा वृद्धवृद्धा र स्मार्टफोन नभएका मानिसहरूलाई पनि सहयोग गर्नुहोस्।",
        "सार्वजनिक सुविधा गाभ्नुअघि हरेक क्षेत्रमा जानकारी सभा गर्नुहोस्।",
        "विदेशी बासिन्दाका लागि सजिलो जापानी र नेपाली भाषामा जानकारी बढाउनुहोस्।",
        "नगरपालिकाका कर्मचारीहरूलाई धन्यवाद, तर प्रक्रिया अझ सरल बनाउनुहोस्।",
        "बजेटलाई बुझ्न सजिलो चित्रमा प्रकाशित गरे नागरिकहरू छलफलमा सजिलै सहभागी हुन सक्छन्।",
    ],
}
SERIAL = {"ja": "(意見番号 {})", "vi": "(Ý kiến số {})", "ne": "(राय नम्बर {})"}


def comment_text(language: str, serial: str, rng: random.Random) -> str:
    """A unique comment of 200 to 800 characters in `language`."""
    target = rng.randint(200, 800)
    parts = [SERIAL[language].format(serial)]
    while sum(len(p) + 1 for p in parts) < target:
        parts.append(rng.choice(SENTENCES[language]))
    text = " ".join(parts)
    return text[:800].rstrip()


def stored_form(text: str) -> str:
    """The comment as the portal stores it (NFC, trimmed)."""
    return unicodedata.normalize("NFC", text).strip()


class Browser:
    """One resident: a keep-alive connection and a cookie jar of their own.

    Cookies are sent back whatever their Secure flag: browsers treat http://127.0.0.1 as a
    secure context, and the production session cookie is Secure.
    """

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def request(self, method: str, path: str, form: dict | None = None):
        """Send one request; returns (status, headers, body text)."""
        headers = {"Host": self.host, "Accept-Language": "ja"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A sync worker closes idle keep-alive connections: reconnect once, but never
                # resend a POST that might have arrived (that would be a double submission).
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                if attempt or method == "POST":
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, response.headers, data.decode("utf-8", "replace")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def hidden_fields(page: str) -> dict:
    """Every hidden input of the page's comment form (CSRF token, submission token...)."""
    start = page.find('class="comment-form"')
    fields = {}
    for tag in _HIDDEN.findall(page[start:] if start >= 0 else page):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs:
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return fields


@dataclass
class ClientResult:
    """What one worker process's clients saw."""

    flows: list[float] = field(default_factory=list)
    posts: list[float] = field(default_factory=list)
    receipts: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # number, key, text, slug
    errors: dict[str, int] = field(default_factory=dict)
    gets: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def merge(self, other: ClientResult) -> None:
        self.flows += other.flows
        self.posts += other.posts
        self.receipts += other.receipts
        for kind, n in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + n
        for kind, n in other.gets.items():
            self.gets[kind] = self.gets.get(kind, 0) + n


def resident_flow(browser: Browser, slug: str, language: str, serial: str, rng, result) -> None:
    """One resident's comment: measure page, POST, receipt. Records times and the receipt."""
    path = f"/{language}/measures/{slug}"
    start = time.perf_counter()
    status, _h, page = browser.request("GET", path)
    if status != 200:
        result.error(f"GET measure {status}")
        return
    text = comment_text(language, serial, rng)
    form = hidden_fields(page)
    form.update(
        body=text,
        language=language,
        respondent_type="lives",
        age_band="",
        district="",
        position="",
        name="",
        address="",
        email="",
        phone="",
        consent="y",
    )
    post_start = time.perf_counter()
    status, headers, _page = browser.request("POST", path, form)
    result.posts.append(time.perf_counter() - post_start)
    if status != 303:
        result.error(f"POST {status}")
        return
    location = urllib.parse.urlsplit(headers["Location"]).path
    status, _h, receipt = browser.request("GET", location)
    number, key = _RECEIPT.search(receipt), _KEY.search(receipt)
    if status != 200 or not number or not key:
        result.error(f"receipt {status}")
        return
    result.flows.append(time.perf_counter() - start)
    result.receipts.append((number[1].strip(), key[1].strip(), stored_form(text), slug))


def run_clients(host, port, clients, seconds, slugs, seed, mode) -> ClientResult:
    """Run `clients` residents in threads for `seconds`; one process's share."""
    result = ClientResult()
    deadline = time.time() + seconds
    lock = threading.Lock()

    def client(number: int) -> None:
        rng = random.Random(f"{seed}-{number}")
        browser = Browser(host, port)
        own = ClientResult()
        count = 0
        while time.time() < deadline:
            count += 1
            try:
                if mode == "flow":
                    language = rng.choice(("ja", "vi", "ne"))
                    serial = f"{seed}-{number}-{count}"
                    resident_flow(browser, rng.choice(slugs), language, serial, rng, own)
                else:
                    path = {
                        "static": "/static/portal.css",
                        "home": "/ja/",
                        "measure": f"/ja/measures/{rng.choice(slugs)}",
                    }[mode]
                    status, _h, _b = browser.request("GET", path)
                    key = "ok" if status == 200 else f"GET {mode} {status}"
                    own.gets[key] = own.gets.get(key, 0) + 1
            except (OSError, http.client.HTTPException) as exc:
                own.error(type(exc).__name__)
                browser.close()
                browser = Browser(host, port)
        browser.close()
        with lock:
            result.merge(own)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def _run_share(args) -> ClientResult:
    return run_clients(*args)


def run_load(host, port, clients, seconds, slugs, mode="flow", processes=None) -> ClientResult:
    """Spread `clients` over a few processes (one Python process cannot drive 50 fast clients)."""
    processes = processes or max(1, min(clients, os.cpu_count() or 1))
    seed = secrets.token_hex(3)
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    tasks = [(host, port, n, seconds, slugs, f"{seed}{i}", mode) for i, n in enumerate(shares)]
    total = ClientResult()
    if processes == 1:
        total.merge(run_clients(*tasks[0]))
        return total
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for part in pool.map(_run_share, tasks):
            total.merge(part)
    return total


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0-100) in milliseconds; 0 without samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index] * 1000


# -- the no-loss check -------------------------------------------------------------------------


def check_receipts(database_url: str, receipts: list[tuple[str, str, str, str]]) -> list[str]:
    """Problems found comparing the receipts clients got with the stored comments ([] = none).

    Every receipt must be exactly one stored comment whose text is the text sent and whose
    access key is the key shown; every stored comment must be one receipt a client got.
    """
    import sqlalchemy as sa

    from portal.models.comments import hash_access_key

    engine = sa.create_engine(sqlalchemy_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT receipt_number, body, access_key_hash FROM comments")
        ).all()
    engine.dispose()
    stored: dict[str, list] = {}
    for number, body, key_hash in rows:
        stored.setdefault(number, []).append((body, key_hash))
    problems = []
    seen: set[str] = set()
    for number, key, text, _slug in receipts:
        if number in seen:
            problems.append(f"receipt {number} was given to two submissions")
        seen.add(number)
        matches = stored.get(number, [])
        if len(matches) != 1:
            problems.append(f"receipt {number}: {len(matches)} stored comments")
            continue
        body, key_hash = matches[0]
        if body != text:
            problems.append(f"receipt {number}: stored text differs from the text sent")
        if key_hash != hash_access_key(key):
            problems.append(f"receipt {number}: the access key shown does not open it")
    for number, matches in stored.items():
        if number not in seen:
            problems.append(f"stored comment {number} ({len(matches)}) has no receipt")
    return problems


# -- the server under test ---------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 60.0, process=None) -> None:
    """Wait until something answers on `port`."""
    end = time.time() + timeout
    while time.time() < end:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


@dataclass
class Server:
    """gunicorn instance(s), optionally behind nginx; `port` is where clients connect."""

    port: int
    database_url: str
    processes: list = field(default_factory=list)
    instance_ports: list = field(default_factory=list)
    workdir: str = ""

    def stop(self) -> None:
        """Stop every process started for this server (each leads its own process group)."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)  # quick shutdown: nothing is in flight
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                # Freeing the language models at exit can take seconds on a busy machine.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


# Every instance of one deployment signs sessions and CSRF tokens with the same key.
_SECRET_KEY = secrets.token_hex(32)
_AUDIT_KEY = secrets.token_hex(32)


def server_environment(database_url: str, redis_url: str | None, extra=None) -> dict:
    """The README's production environment, with a submit limit a load test does not hit."""
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        PORTAL_ENV="production",
        SECRET_KEY=_SECRET_KEY,
        PORTAL_AUDIT_KEY=_AUDIT_KEY,
        DATABASE_URL=database_url,
        PORTAL_TRUSTED_HOSTS="127.0.0.1,localhost",
        # Every simulated resident comes from 127.0.0.1: one address, thousands of comments.
        PORTAL_SUBMIT_LIMIT="10000000 per minute",
        PORTAL_LOOKUP_LIMIT="10000000 per minute",
        PORTAL_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra or {})
    return env


def prepare_database(database_url: str | None, redis_url: str | None, workdir: str) -> str:
    """An empty, migrated, seeded database with every measure open; returns its URL."""
    if not database_url:
        database_url = f"sqlite:///{workdir}/bench.sqlite3"
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    # `portal db upgrade` and `portal seed --open-days 30`, in this process to save a start-up.
    from benchapp import fresh_app

    from portal.extensions import db

    app = fresh_app(sqlalchemy_url(database_url), PORTAL_LOG_LEVEL="WARNING")
    with app.app_context():
        db.engine.dispose()
    return database_url


def start_server(
    database_url: str | None,
    redis_url: str | None = None,
    workers: int = 2,
    instances: int = 1,
    nginx: bool = False,
    extra_env: dict | None = None,
    job_worker: bool = False,
) -> Server:
    """Start `instances` gunicorns (`gunicorn --preload`, as in the README) on one database,
    and with `job_worker` one `portal worker` for the jobs they queue."""
    workdir = tempfile.mkdtemp(prefix="portal-bench-")
    database_url = prepare_database(database_url, redis_url, workdir)
    server = Server(port=0, database_url=database_url, workdir=workdir)
    ports = []
    try:
        for _ in range(instances):
            port = free_port()
            command = gunicorn_command("wsgi:app", workers, port)
            proxy = {"PORTAL_PROXY_COUNT": "1"} if nginx else {}
            env = server_environment(database_url, redis_url, {**proxy, **(extra_env or {})})
            server.processes.append(
                subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
            )
            ports.append(port)
        for port, process in zip(ports, server.processes, strict=True):
            wait_for(port, process=process)
        if job_worker:
            if not redis_url:
                raise RuntimeError("a job worker needs REDIS_URL")
            portal = shutil.which("portal") or str(Path(sys.executable).parent / "portal")
            server.processes.append(
                subprocess.Popen(
                    [portal, "worker"],
                    env=server_environment(database_url, redis_url, extra_env),
                    cwd=ROOT,
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                )
            )
        server.port = ports[0]
        server.instance_ports = ports
        if nginx:
            server.port = free_port()
            server.processes.append(start_nginx(server.port, ports, workdir))
            wait_for(server.port)
    except BaseException:
        server.stop()
        raise
    return server


def gunicorn_command(app: str, workers: int, port: int) -> list[str]:
    """gunicorn as both the portal and the minimal app run under it: the same settings, so
    the ratio compares the applications, not their servers."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--preload",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]


def start_minimal(database_url: str, workers: int, workdir: str) -> Server:
    """`bench/minimal_app.py` under the same gunicorn settings as the portal, on the same
    database server (its own table; its own SQLite file when the portal is on SQLite)."""
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{workdir}/minimal.sqlite3"
    else:
        import sqlalchemy as sa

        engine = sa.create_engine(sqlalchemy_url(database_url))
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS minimal_comments"))
        engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=_SECRET_KEY,
        PYTHONPATH=str(ROOT / "bench") + os.pathsep + env.get("PYTHONPATH", ""),
    )
    command = gunicorn_command("minimal_app:app", workers, port)
    # Same working directory, so the same gunicorn.conf.py is read.
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    server = Server(port=port, database_url=database_url, processes=[process])
    try:
        wait_for(port, process=process)
    except BaseException:
        server.stop()
        raise
    return server


def minimal_rows(database_url: str) -> int:
    """Comments the minimal app stored."""
    import sqlalchemy as sa

    engine = sa.create_engine(sqlalchemy_url(database_url))
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM minimal_comments")).scalar()
    engine.dispose()
    return count


def start_nginx(port: int, upstreams: list[int], workdir: str) -> subprocess.Popen:
    """Debian's nginx with deploy/nginx-multi.conf, listening on `port`, balancing `upstreams`."""
    template = (ROOT / "deploy" / "nginx-multi.conf").read_text()
    servers = "\n".join(f"    server 127.0.0.1:{p};" for p in upstreams)
    config = (
        template.replace("listen 80;", f"listen 127.0.0.1:{port};")
        .replace("    server 127.0.0.1:8001;\n    server 127.0.0.1:8002;", servers)
        .replace("/srv/portal/portal/static/", f"{ROOT}/portal/static/")
    )
    conf = Path(workdir) / "nginx.conf"
    # As root, nginx's workers run as nobody and could not write a large upload (a scan) to
    # the temporary folder, which only its owner may enter.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\n"
        "events { worker_connections 1024; }\nhttp {\n"
        f"  access_log off;\n  client_body_temp_path {workdir}/body;\n  proxy_temp_path {workdir}/proxy;\n"
        f"  fastcgi_temp_path {workdir}/fcgi;\n  uwsgi_temp_path {workdir}/uwsgi;\n  scgi_temp_path {workdir}/scgi;\n"
        f"  include /etc/nginx/mime.types;\n{config}\n}}\n"
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return subprocess.Popen(
        [nginx, "-c", str(conf), "-p", workdir, "-e", f"{workdir}/error.log"],
        start_new_session=True,
    )


def queued_jobs(redis_url: str | None) -> int | None:
    """Jobs waiting on the portal's queue (None without Redis: they ran in the web process)."""
    if not redis_url:
        return None
    import redis

    return redis.Redis.from_url(redis_url).llen("rq:queue:portal")


def measure_slugs(port: int) -> list[str]:
    """The slugs of every measure, read from the home page."""
    browser = Browser("127.0.0.1", port)
    status, _h, page = browser.request("GET", "/ja/")
    browser.close()
    slugs = sorted(set(_MEASURE_LINK.findall(page)))
    if status != 200 or not slugs:
        raise RuntimeError(f"home page answered {status} with {len(slugs)} measures")
    return slugs


# -- the benchmark -----------------------------------------------------------------------------


def _process_cpu(pid: int) -> tuple[str, float, int] | None:
    """(command name, CPU seconds, parent pid) of a process, from /proc (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return name, (int(fields[11]) + int(fields[12])) / ticks, int(fields[1])


def cpu_seconds(server: Server) -> dict:
    """CPU seconds used so far by each process of the server (and their children), of
    PostgreSQL and of Redis on this machine, by pid, and by this load generator (its finished
    client pools); `cpu_used` turns two of these into shares."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _process_cpu(int(entry.name))):
            processes[int(entry.name)] = found
    ours = {process.pid for process in server.processes}
    grew = True
    while grew:  # the gunicorn workers are children of the processes started
        grew = False
        for pid, (_name, _cpu, parent) in processes.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                grew = True
    by_pid = {}
    for pid, (name, cpu, _parent) in processes.items():
        if pid in ours:
            by_pid[pid] = ("portal", cpu)
        elif name.startswith("postgres"):
            by_pid[pid] = ("postgres", cpu)
        elif name.startswith("redis-server"):
            by_pid[pid] = ("redis", cpu)
    used = os.times()
    by_pid["self"] = (
        "load generator",
        used.user + used.system + used.children_user + used.children_system,
    )
    return by_pid


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds per kind of process between two `cpu_seconds` readings. Per process: a
    PostgreSQL backend of another session that ended in between must not count negative."""
    totals = {"portal": 0.0, "postgres": 0.0, "redis": 0.0, "load generator": 0.0}
    for pid, (kind, cpu) in after.items():
        totals[kind] += cpu - before.get(pid, (kind, 0.0))[1]
    return totals


def flow_round(server: Server, clients: int, seconds: float, slugs: list[str]) -> dict:
    """One closed-loop round of the resident flow against `server`; its figures."""
    cpu_before = cpu_seconds(server)
    flow = run_load("127.0.0.1", server.port, clients, seconds, slugs, "flow")
    used = cpu_used(cpu_before, cpu_seconds(server))
    accepted = len(flow.receipts)
    return {
        "cpu": {name: cpu / seconds for name, cpu in used.items()},
        "web_cpu_ms": used["portal"] / max(accepted, 1) * 1000,
        "accepted": accepted,
        "per_second": accepted / seconds,
        "flow": [percentile(flow.flows, p) for p in (50, 95, 99)],
        "post": [percentile(flow.posts, p) for p in (50, 95, 99)],
        "errors": flow.errors,
        "receipts": flow.receipts,
    }


def page_phases(server: Server, clients: int, phase_seconds: float, slugs: list[str]) -> dict:
    """The static file, home page and measure page rates with the same clients."""
    figures: dict = {}
    for mode in ("static", "home", "measure"):
        if phase_seconds <= 0:
            break
        result = run_load("127.0.0.1", server.port, clients, phase_seconds, slugs, mode)
        figures[mode] = result.gets.get("ok", 0) / phase_seconds
        figures[mode + "_errors"] = {k: v for k, v in result.gets.items() if k != "ok"}
        figures[mode + "_errors"].update(result.errors)
    return figures


def analysed_count(database_url: str) -> tuple[int, int]:
    """(comments stored, comments whose arrival analysis has finished: a detected language)."""
    import sqlalchemy as sa

    engine = sa.create_engine(sqlalchemy_url(database_url))
    with engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT count(*), count(detected_language) FROM comments")
        ).one()
    engine.dispose()
    return row[0], row[1]


def drain(database_url: str, redis_url: str, timeout: float) -> float | None:
    """Seconds until the worker has analysed every stored comment (None: not within timeout).

    A comment whose analysis found no language would never count, so an empty queue with the
    count standing still for three seconds also ends the wait.
    """
    began = time.perf_counter()
    last, still_since = None, began
    while time.perf_counter() - began < timeout:
        stored, analysed = analysed_count(database_url)
        if analysed >= stored:
            return time.perf_counter() - began
        now = time.perf_counter()
        if analysed != last:
            last, still_since = analysed, now
        elif queued_jobs(redis_url) == 0 and now - still_since > 3:
            return still_since - began
        time.sleep(0.25)
    return None


def print_round(figures: dict, label: str) -> None:
    """One round's figures, one line each."""
    print(f"== {label}")
    print(f"accepted comments: {figures['accepted']}  ({figures['per_second']:.1f}/s)")
    print("flow  p50/p95/p99: {:.0f} / {:.0f} / {:.0f} ms".format(*figures["flow"]))
    print("POST  p50/p95/p99: {:.0f} / {:.0f} / {:.0f} ms".format(*figures["post"]))
    print(f"errors: {figures['errors'] or 'none'}")
    if figures.get("cpu"):
        shares = ", ".join(f"{name} {share:.0%}" for name, share in figures["cpu"].items())
        print(f"CPU during the comments (100% = one core, {os.cpu_count()} here): {shares}")
        print(f"web CPU per flow: {figures['web_cpu_ms']:.1f} ms")
    if "analysed_per_second" in figures:
        drained = figures["drain_seconds"]
        print(
            f"analysed during the load: {figures['analysed']} "
            f"({figures['analysed_per_second']:.1f}/s); queue left: {figures['queue_left']}; "
            "drain time: " + (f"{drained:.1f} s" if drained is not None else "not drained")
        )
        print(f"sustained (accepted and analysed): {figures['sustained']:.1f}/s")


def print_phases(figures: dict) -> None:
    """The page rates beside the static file's."""
    static = figures.get("static") or 1
    for mode in ("static", "home", "measure"):
        if mode not in figures:
            continue
        extra = figures[mode + "_errors"]
        print(
            f"{mode:8} {figures[mode]:8.1f} req/s  ratio to static {figures[mode] / static:.2f}"
            + (f"  errors {extra}" if extra else "")
        )


def portal_round(server, args, slugs, redis_url) -> dict:
    """A round against the portal; with a job worker, also what it analysed and the drain."""
    before = analysed_count(server.database_url)[1] if args.job_worker else 0
    figures = flow_round(server, args.clients, args.seconds, slugs)
    if args.job_worker:
        figures["analysed"] = analysed_count(server.database_url)[1] - before
        figures["analysed_per_second"] = figures["analysed"] / args.seconds
        figures["queue_left"] = queued_jobs(redis_url)
        figures["drain_seconds"] = drain(server.database_url, redis_url, args.drain_timeout)
        elapsed = args.seconds + (figures["drain_seconds"] or args.drain_timeout)
        figures["sustained"] = figures["accepted"] / elapsed
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 if any receipt or stored comment does not match."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--phase-seconds", type=float, default=None, help="static/home/measure")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--nginx", action="store_true", help="put nginx in front (deploy/)")
    parser.add_argument(
        "--job-worker",
        action="store_true",
        help="run `portal worker` beside gunicorn (else queued jobs wait, as behind a worker "
        "on another machine, and are counted at the end)",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="portal and minimal app rounds, alternated"
    )
    parser.add_argument(
        "--no-minimal", action="store_true", help="the portal alone, no minimal app rounds"
    )
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument(
        "--open-loop",
        type=float,
        metavar="RATE",
        help="Poisson arrivals at RATE flows/s instead of a closed loop of clients",
    )
    parser.add_argument(
        "--open-loop-table",
        type=float,
        metavar="SUSTAINED",
        help="open loop at 25%%, 50%% and 75%% of SUSTAINED flows/s, as a table",
    )
    args = parser.parse_args(argv)
    phase = args.phase_seconds if args.phase_seconds is not None else max(3, args.seconds / 5)
    database_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if args.job_worker and not redis_url:
        parser.error("--job-worker needs REDIS_URL")
    server = start_server(
        database_url,
        redis_url,
        args.workers,
        args.instances,
        args.nginx,
        job_worker=args.job_worker,
    )
    backend = server.database_url.split(":", 1)[0]
    label = (
        f"{backend}, {args.instances}×gunicorn --preload --workers {args.workers}"
        f"{' behind nginx' if args.nginx else ''}" + (" + portal worker" if args.job_worker else "")
    )
    minimal = None
    receipts: list = []
    try:
        slugs = measure_slugs(server.port)
        if args.open_loop or args.open_loop_table:
            from open_loop import run_open_loop_levels

            rates = (
                [args.open_loop]
                if args.open_loop
                else [args.open_loop_table * share for share in (0.25, 0.5, 0.75)]
            )
            receipts = run_open_loop_levels(
                server, slugs, rates, args.seconds, label, args.open_loop_table
            )
        else:
            if not args.no_minimal:
                minimal = start_minimal(server.database_url, args.workers, server.workdir)
            totals = {"portal": 0, "minimal": 0}
            for number in range(1, args.rounds + 1):
                figures = portal_round(server, args, slugs, redis_url)
                receipts += figures["receipts"]
                print_round(
                    figures,
                    f"round {number}: portal, {label}, {args.clients} clients, {args.seconds:g} s",
                )
                totals["portal"] += figures.get("sustained", figures["per_second"])
                if minimal is None:
                    continue
                small = flow_round(minimal, args.clients, args.seconds, slugs)
                print_round(small, f"round {number}: minimal Flask app, same settings")
                totals["minimal"] += small["per_second"]
                ratio = figures["per_second"] / (small["per_second"] or 1)
                line = f"round {number} ratio portal ÷ minimal: accepted {ratio:.2f}"
                if args.job_worker:
                    line += f", sustained {figures['sustained'] / (small['per_second'] or 1):.2f}"
                print(line)
            if minimal is not None:
                stored = minimal_rows(minimal.database_url)
                print(
                    f"ratio portal ÷ minimal over {args.rounds} rounds "
                    f"({'sustained' if args.job_worker else 'accepted'}): "
                    f"{totals['portal'] / (totals['minimal'] or 1):.2f}"
                    f"  (minimal app stored {stored} comments)"
                )
            print_phases(page_phases(server, args.clients, phase, slugs))
        problems = check_receipts(server.database_url, receipts)
        backlog = queued_jobs(redis_url)
    finally:
        if minimal is not None:
            minimal.stop()
        server.stop()
    if backlog is not None:
        print(f"jobs still queued at the end (language, personal data, grouping): {backlog}")
    print(
        f"no-loss check: {len(receipts)} receipts, "
        + ("all match one stored comment each" if not problems else f"{len(problems)} problems")
    )
    for problem in problems[:20]:
        print("  " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
