import sys

if any(a == "--replicas" or a.startswith("--replicas=") for a in sys.argv[1:]):  # several replicas behind nginx
    from tests.load.replicas import main as replicas_main

    sys.exit(replicas_main(sys.argv[1:]))
if "--classroom" in sys.argv[1:]:  # a class joining and training, the teacher's board on the projector
    from tests.load.classroom import main as classroom_main

    sys.exit(classroom_main(sys.argv[1:]))
if "--page-cost" in sys.argv[1:]:  # what one learner's Train page costs the browser
    from tests.load.page_cost import main as page_cost_main

    sys.exit(page_cost_main(sys.argv[1:]))

from tests.load.loadtest import main  # noqa: E402  (one server)

sys.exit(main())
