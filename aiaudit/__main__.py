from aiaudit.cli import main

raise SystemExit(main())
