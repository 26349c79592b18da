"""The demo hub's skills marketplace: offers of every pricing kind, jobs in every state, a
training with attendance, ratings; and the ledger ties out."""
import sqlalchemy as sa

from app.ledger.services import invariant_violations
from models import Job, JobRating, JobStatus, SkillOffer, SkillPricing, TrainingSeat


def test_the_demo_has_jobs_in_every_state_and_a_training_with_attendance(runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert set(db.scalars(sa.select(Job.status))) == set(JobStatus)
    assert set(db.scalars(sa.select(SkillOffer.pricing))) == set(SkillPricing)
    assert db.scalar(sa.select(sa.func.count()).select_from(TrainingSeat).where(TrainingSeat.attended.is_(True))) >= 3
    assert db.scalar(sa.select(sa.func.count()).select_from(JobRating)) >= 2
    assert invariant_violations(db) == []
    check = runner.invoke(args=["ledger", "check"])
    assert check.exit_code == 0, check.output
