"""Two hubs talking HTTP on loopback ports: "arve" (the `engine` of the test run) and
"chablais" (a second database on the same backend), each its own app served by werkzeug in a
thread, peered with each other. `Hub` arranges members and reads balances on one side."""
import threading
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from werkzeug.serving import make_server

from app import create_app, migrations
from app.auth import services as auth
from app.database import make_engine
from app.demo import DEMO_PASSWORD
from app.federation import keys, peers
from app.ledger.services import invariant_violations
from models import Account, InterHubTransfer, Member, PeerHub, Role
from tests.conftest import PG_ADMIN_URL, TEST_CONFIG, _drop_postgres_database, _postgres_database, empty_all_tables


@pytest.fixture(scope="session")
def second_engine(backend, tmp_path_factory):
    """The second hub's database, migrated like the first."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db2') / 'chablais.db'}"
    else:
        url = _postgres_database(PG_ADMIN_URL, prefix="alveole_t2")
    engine = make_engine(url)
    migrations.upgrade(engine)
    yield engine
    engine.dispose()
    if backend != "sqlite":
        _drop_postgres_database(url)


@dataclass(eq=False)
class Hub:
    hub_id: str
    name: str
    app: object
    url: str = ""
    admin_id: int = 0
    counter: list = field(default_factory=lambda: [0])

    @property
    def sessions(self):
        return self.app.extensions["db_sessionmaker"]

    def member(self, organization: str, credit_limit: int = 0, role: Role = Role.MEMBER) -> tuple[int, int]:
        """A new organisation with its manager: (member id, account id)."""
        self.counter[0] += 1
        with self.app.app_context(), self.sessions() as session:
            member = auth.create_member(
                session, self.app.extensions["passwords"], email=f"m{self.counter[0]}@{self.hub_id}.test",
                name=f"{organization} manager", password=DEMO_PASSWORD, role=role, language="fr",
                organization_name=organization, credit_limit=credit_limit,
            )
            session.commit()
            account = session.scalar(sa.select(Account).where(Account.organization_id == member.organization_id))
            return member.id, account.id

    def balance(self, account_id: int) -> int:
        with self.sessions() as session:
            return session.get(Account, account_id).balance

    def on_hold(self, account_id: int) -> int:
        with self.sessions() as session:
            return session.get(Account, account_id).on_hold

    def peer(self) -> PeerHub:
        with self.sessions() as session:
            return session.scalar(sa.select(PeerHub))

    def mirror(self) -> Account:
        with self.sessions() as session:
            return session.get(Account, session.scalar(sa.select(PeerHub)).account_id)

    def records(self) -> list[InterHubTransfer]:
        with self.sessions() as session:
            return list(session.scalars(sa.select(InterHubTransfer).order_by(InterHubTransfer.id)))

    def ledger_problems(self) -> list[str]:
        with self.sessions() as session:
            return invariant_violations(session)

    def admin(self, session) -> Member:
        return session.get(Member, self.admin_id)


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def _hub(engine, hub_id, name, tmp_path) -> Hub:
    key = keys.encode_private(Ed25519PrivateKey.generate())
    app = create_app({
        **TEST_CONFIG, "DATABASE_URL": str(engine.url), "DATABASE_ENGINE": engine, "HUB_ID": hub_id,
        "HUB_NAME": name, "HUB_PRIVATE_KEY": key, "HUB_KEY_FILE": str(tmp_path / f"{hub_id}.key"),
    })
    return Hub(hub_id, name, app)


@pytest.fixture
def hubs(engine, second_engine, tmp_path):
    """(arve, chablais), peered both ways at rate 1, each granting the other 1 000.00."""
    arve = _hub(engine, "arve", "Alvéole Arve", tmp_path)
    chablais = _hub(second_engine, "chablais", "Alvéole Chablais", tmp_path)
    servers = [_serve(arve.app), _serve(chablais.app)]
    for hub, (server, _) in zip((arve, chablais), servers, strict=True):
        hub.url = f"http://127.0.0.1:{server.server_port}"
        hub.admin_id, _ = hub.member(f"Admin {hub.hub_id}", role=Role.ADMIN)
    for hub, other in ((arve, chablais), (chablais, arve)):
        with other.app.app_context():
            public = keys.public_key_text()
        with hub.app.app_context(), hub.sessions() as session:
            peers.register_peer(
                session, hub.admin(session), hub_id=other.hub_id, name=other.name, base_url=other.url,
                public_key=public, rate="1", limit_granted=100_000,
            )
            session.commit()
    yield arve, chablais
    for server, thread in servers:
        server.shutdown()
        thread.join()
    empty_all_tables(engine)
    empty_all_tables(second_engine)
