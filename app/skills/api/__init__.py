"""The skills slice's GraphQL layer: types, inputs, queries, mutations (jobs; offers and
trainings). The schema imports these names."""
from app.skills.api.mutations import JobsMutation
from app.skills.api.queries import SkillsQuery, resolve_job_node, resolve_training_session_node
from app.skills.api.training import TrainingMutation

__all__ = ["JobsMutation", "SkillsQuery", "TrainingMutation", "resolve_job_node", "resolve_training_session_node"]
