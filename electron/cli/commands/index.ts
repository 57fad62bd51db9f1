import { serve } from './serve';
import { apps, connections, exportHistory, history } from './query';
import { block, rules, status, unblock } from './rules';
import { alerts, doctor } from './misc';
import { cost, report } from './insight';

export interface CliContext {
  version: string;
}

export type Command = (argv: string[], ctx: CliContext) => Promise<number>;

export const commands: Record<string, Command> = {
  serve,
  connections,
  apps,
  history,
  export: exportHistory,
  block,
  unblock,
  rules,
  status,
  alerts,
  doctor,
  cost,
  report,
};

export function usage(): string {
  return `Outflow — see, record and control the traffic leaving this machine.

Usage: outflow <command> [options]        (every command takes --db PATH; default: OUTFLOW_DB or the per-user data folder)

  serve [--host 127.0.0.1] [--port 0] [--firewall auto|noop]
                                   run the engine and the local web UI (prints its URL with a one-time token)
  connections [--json] [--all]     live connections grouped by app (--all includes loopback)
  apps [--json] [--since 1h] [--until T] [--all]
                                   apps with bytes sent/received and flow counts
  history [--json] [--app NAME|PATH] [--host H] [--q TEXT] [--proto tcp|udp] [--port N]
          [--country CC] [--since 1h] [--until T] [--limit N] [--all]
                                   recorded connections, newest first
  export --format csv|json [--since T] [--until T] [--all]
                                   every recorded connection in the range, to stdout
  block <ip|cidr|host|any> [--app PATH] [--port N|A-B] [--proto tcp|udp] [--for 10m]
        [--until-restart] [--note TEXT] [--force] [--json]
                                   block a destination through the OS firewall
  unblock <id|target> | --all      remove rules (--all removes every Outflow rule)
  rules [--json] | rules export FILE | rules import FILE [--replace]
  status [--json]                  collector mode, firewall enforcement, database
  alerts [--json] [--since T] [--unseen]
  doctor [--json]                  what works on this machine, with fixes
  cost [--json] [--since 30d] [--until T]
                                   internet egress cost per app, destination, day and month, with this month projected
  report [--since 30d] [--until T] [--format csv|html|json] [--outside DE,FR] [--lan]
                                   where data went: apps by destination country and network owner

Times: a duration back from now (90s, 10m, 1h, 30d, 2w) or an ISO date-time.
Exit codes: 0 ok, 1 failure, 2 bad arguments (nothing written), 3 firewall not enforcing.
`;
}
