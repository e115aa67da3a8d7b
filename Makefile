# The commands of the README. start and test set everything up on a fresh machine first;
# check (lint and unit tests) runs the set-up only when the Python environments are missing.
.PHONY: start test check chat bench
start:   ## set up and start the bot (REST on :5005, actions on :5055)
	bash scripts/start.sh
test:    ## set up and run all tests (fails below a threshold of tests/gates.yml)
	bash scripts/test.sh
check:   ## quick inner loop: lint and unit tests (under 3 minutes)
	bash scripts/check.sh
chat:    ## chat with the running bot in this terminal
	bash scripts/chat.sh
bench:   ## load benchmark beside a vanilla rasa init bot (figures in results/)
	bash scripts/bench.sh
