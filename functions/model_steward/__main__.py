from model_steward.cli import main

raise SystemExit(main())
