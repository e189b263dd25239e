from therapy_checkin.cli import main

main()
