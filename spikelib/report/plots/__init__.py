"""The book's figures, drawn from aggregated results (no computation of results here), by chapter.

Every figure is sized to be read at the book's page width (:mod:`.style`);
captions are written by the analysis notebooks, which know which results a
figure shows.

Modules
-------
style
    Width, colours, markers and type sizes every figure shares.
replication
    The paper's Figures 2-6 and the indicators' dose-response under shuffled labels.
benchmark
    The detector benchmark: forest plot, noise response, the online monitor.
followup
    The follow-up's figures.
zoo
    The zoo page: measures against the gap, the clean-label dose-response, the switch.
cell
    One experimental cell's figures.
phone
    A figure of several panels with its panels stacked, for a phone's width.
"""

from .benchmark import *  # noqa: F401,F403
from .cell import *  # noqa: F401,F403
from .followup import *  # noqa: F401,F403
from .replication import *  # noqa: F401,F403
from .style import GROUP_COLOURS, INDICATORS, PAGE_WIDTH  # noqa: F401
from .zoo import *  # noqa: F401,F403
