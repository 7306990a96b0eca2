"""``python -m veiligheidsanalyse.sources.inputs <folder>``: write the partner input templates."""

from .writing import main

raise SystemExit(main())
