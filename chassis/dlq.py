"""Dead letters, for operators: `python -m chassis.dlq COMMAND` (or `make dlq ARGS="..."`).

    list [CONSUMER]              every consumer's dead-letter depth, or one consumer's letters
    show CONSUMER KEY            one letter: error, attempts, the original envelope (masked)
    replay CONSUMER (KEY|--all)  back into the consumer's queue, after a fix; applied once
    purge CONSUMER [--yes]       drop them all (asks first unless --yes)

CONSUMER is `service.method` (`residents.on_visit_completed`) or the queue name; KEY is the
event id shown by `list`. The broker is GONGZHI_AMQP_URI."""
import argparse
import json
import sys

from kombu import Connection

from chassis import catalog, deadletters
from chassis.config import Settings


def main(argv=None, out=sys.stdout, ask=input):
    parser = argparse.ArgumentParser(prog="python -m chassis.dlq", description=__doc__.split(
        "\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="depths, or one consumer's dead letters")
    listing.add_argument("consumer", nargs="?")
    listing.add_argument("--limit", type=int, default=100)
    show = commands.add_parser("show", help="one dead letter in full")
    show.add_argument("consumer")
    show.add_argument("key")
    replay = commands.add_parser("replay", help="put dead letters back into their queue")
    replay.add_argument("consumer")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("key", nargs="?")
    which.add_argument("--all", action="store_true")
    purge = commands.add_parser("purge", help="drop a consumer's dead letters")
    purge.add_argument("consumer")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--amqp-uri", default=None, help="default: GONGZHI_AMQP_URI")
    args = parser.parse_args(argv)
    uri = args.amqp_uri or Settings().amqp_uri

    def say(text):
        print(text, file=out)

    try:
        if args.command == "list" and not args.consumer:
            with Connection(uri) as connection:
                for consumer in catalog.all_consumers():
                    say(f"{consumer.name:<40} {deadletters.depth(connection, consumer.dead_letter_queue):>6}")
            return 0
        consumer = catalog.find_consumer(args.consumer)
        if args.command == "list":
            letters = deadletters.list_letters(uri, consumer, args.limit)
            for letter in letters:
                row = letter.summary()
                say(f"{row['key']}  {row['type'] or '?'}  tenant={row['tenant'] or '?'}  "
                    f"attempts={row['attempts']}  at={row['failed_at']}\n    {row['error']}")
            say(f"{len(letters)} dead letter(s) for {consumer.name}")
        elif args.command == "show":
            letter = deadletters.show_letter(uri, consumer, args.key)
            say(json.dumps(letter.details(), ensure_ascii=False, indent=2))
        elif args.command == "replay":
            keys = deadletters.replay(uri, consumer, None if args.all else args.key)
            say(f"replayed {len(keys)} dead letter(s) into {consumer.queue}")
        elif args.command == "purge":
            if not args.yes:
                answer = ask(f"drop every dead letter of {consumer.name}? type 'yes': ")
                if answer.strip().lower() != "yes":
                    say("nothing purged")
                    return 1
            say(f"purged {deadletters.purge(uri, consumer)} dead letter(s) of {consumer.name}")
    except LookupError as exc:
        say(f"error: {exc.args[0]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
