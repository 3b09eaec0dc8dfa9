"""Names of docassemble's interview API that need a service a docassemble server talks to and
a simulator does not have.  They exist, so an interview that names them loads and runs until
it uses them; using one raises a clear error naming the service and what would enable it."""
from __future__ import annotations

import types
from typing import Any

from ..errors import DAError
from .objects import DAObject

__all__ = ["DARedis", "DACloudStorage", "DAGoogleAPI", "DAOAuth", "MachineLearningEntry",
           "RandomForestMachineLearner", "SVMMachineLearner", "SimpleTextMachineLearner",
           "DA"]


def _unavailable(name: str, service: str, setting: str) -> DAError:
    return DAError(f"{name} needs {service}, which this simulator does not have "
                   f"(on a docassemble server: {setting})")


class _NeedsService(DAObject):
    service = ""
    setting = ""

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        raise _unavailable(type(self).__name__, self.service, self.setting)


class DARedis(_NeedsService):
    service = "a Redis server"
    setting = "the `redis` configuration directive"


class DACloudStorage(_NeedsService):
    service = "cloud storage (S3 or Azure blob storage)"
    setting = "the `s3` or `azure` configuration directives, or `provider` for a custom one"


class DAGoogleAPI(_NeedsService):
    service = "Google's APIs"
    setting = "a service account in the `google` configuration directive"


class DAOAuth(_NeedsService):
    service = "an OAuth2 provider and the server's OAuth callback URL"
    setting = "the `oauth` configuration directive and a public `url root`"


class MachineLearningEntry(_NeedsService):
    service = "docassemble's machine-learning training database"
    setting = "the SQL database of a server (`db` configuration directive)"


class RandomForestMachineLearner(MachineLearningEntry):
    pass


class SVMMachineLearner(MachineLearningEntry):
    pass


class SimpleTextMachineLearner(MachineLearningEntry):
    pass


class _SQLQueries(types.ModuleType):
    """``DA``: docassemble's query builder over the SQL table of answers (``DA.Sessions``)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise _unavailable(f"DA.{name}", "the SQL database of a server's sessions",
                           "the `db` configuration directive")


DA = _SQLQueries("DA")
