"""Rule families, one module each. Importing this package fills the registry."""

from trialguard.validators import ingestion  # noqa: F401
from trialguard.validators import flow  # noqa: F401
from trialguard.validators import adverse_events  # noqa: F401
from trialguard.validators import statistics  # noqa: F401
from trialguard.validators import dates  # noqa: F401
from trialguard.validators import claims  # noqa: F401
from trialguard.validators import cross_source  # noqa: F401
from trialguard.validators import doses  # noqa: F401
from trialguard.validators import schema  # noqa: F401
from trialguard.validators import proportions  # noqa: F401
from trialguard.validators import sums  # noqa: F401
