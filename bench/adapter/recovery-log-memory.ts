/**
 * Memory of the adapter's recovery log at the target rate: 5,000 msg/s held for the
 * 2 minutes of `maxDisconnectionDuration` (600,000 packets), each a `message:new` to one
 * of 200 rooms, as the adapter holds them. Measured for the shape the log kept before
 * issue 16 (the decoded arguments and two Sets per packet, built below exactly as its
 * `addPacket` built them) and for the `RecoveryLog` of today (one encoded buffer and the
 * lookup fields), one after the other, each in a process of its own, after a full GC.
 * Prints a Markdown table; no Kafka needed.
 *
 *   node tools/run.js bench adapter/recovery-log-memory.ts    (PACKETS=600000 BODY_CHARS=120 FOREIGN_BYTES=1024)
 */
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RecoveryLog } from '@scale-chat/socket-io-kafka-adapter';
import { decode, encode } from 'notepack.io';
import type { BroadcastOptions } from 'socket.io-adapter';
import { forkTypeScript } from '../child-process';
import { printFigures, runBenchmark } from '../report';

const PACKETS = Number(process.env['PACKETS'] ?? 600_000);
const BODY_CHARS = Number(process.env['BODY_CHARS'] ?? 120);
/**
 * Bytes of other short-lived buffers between two packets, as a gateway makes them (the
 * Kafka record, the WebSocket frames): they come from the same 8 KB pool as a small
 * encoded packet, so a log that holds pooled slices keeps them alive too. 0: none.
 */
const FOREIGN_BYTES = Number(process.env['FOREIGN_BYTES'] ?? 1024);
const ROOMS = 200;
const TWO_MINUTES = 120_000;
/** An absent client's catch-up: the last 10 s of traffic, for a socket in one room. */
const MISSED = 50_000;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** The packet as the cluster topic carries it: what each instance decodes anew. */
function encodedRecord(index: number, roomIds: readonly string[]): Buffer {
  const roomId = roomIds[index % ROOMS] ?? '';
  const now = new Date().toISOString();
  const message = {
    id: randomUUID(),
    roomId,
    seq: index + 1,
    senderId: randomUUID(),
    body: 'a chat message about kafka and socket.io, '.repeat(8).slice(0, BODY_CHARS),
    clientMsgId: randomUUID(),
    createdAt: now,
    version: index + 1,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    reactions: [],
    mentions: [],
  };
  return encode({ data: ['message:new', message], rooms: [`room:${roomId}`], except: [] });
}

interface Decoded {
  data: unknown[];
  opts: BroadcastOptions;
}

/** What the adapter has for one record: its arguments (offset appended) and options. */
function decoded(record: Buffer, offset: number): Decoded {
  const { data, rooms, except } = decode(record) as {
    data: unknown[];
    rooms: string[];
    except: string[];
  };
  return {
    data: [...data, String(offset)],
    opts: { rooms: new Set(rooms), except: new Set(except) },
  };
}

interface Holder {
  add(offset: number, packet: Decoded): void;
  missedBy(offset: number, rooms: readonly string[]): number;
}

/** The log before issue 16: the decoded arguments, its rooms and exceptions as Sets. */
function previousShape(): Holder {
  const packets: {
    offset: number;
    at: number;
    data: unknown[];
    rooms: ReadonlySet<string>;
    except: ReadonlySet<string>;
  }[] = [];
  return {
    add: (offset, { data, opts }) =>
      packets.push({
        offset,
        at: Date.now(),
        data,
        rooms: opts.rooms,
        except: opts.except ?? new Set(),
      }),
    missedBy: (offset, rooms) =>
      packets.filter(
        (packet) =>
          packet.offset > offset &&
          rooms.some((room) => packet.rooms.has(room)) &&
          !rooms.some((room) => packet.except.has(room)),
      ).length,
  };
}

function compactShape(): Holder {
  const log = new RecoveryLog(TWO_MINUTES);
  return {
    add: (offset, { data, opts }) => log.addPacket(offset, data, opts),
    missedBy: (offset, rooms) => log.packetsAfter(offset, rooms).length,
  };
}

function heldBytes(): { heap: number; buffers: number } {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, buffers: usage.arrayBuffers };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function measure(name: string, make: () => Holder, records: readonly Buffer[]) {
  const before = heldBytes();
  const holder = make();
  const started = process.hrtime.bigint();
  for (const [offset, record] of records.entries()) {
    holder.add(offset, decoded(record, offset));
    if (FOREIGN_BYTES > 0) Buffer.allocUnsafe(FOREIGN_BYTES);
  }
  const fillNs = Number(process.hrtime.bigint() - started);
  const after = heldBytes();
  const recoverStarted = process.hrtime.bigint();
  const missed = holder.missedBy(records.length - MISSED, ['sid', `room:${roomOf(records)}`]);
  const recoverMs = Number(process.hrtime.bigint() - recoverStarted) / 1e6;
  const heap = after.heap - before.heap;
  const buffers = after.buffers - before.buffers;
  process.stdout.write(`${name}: done\n`);
  return [
    [`${name}: heap used`, `${mb(heap)} (${Math.round(heap / records.length)} B/packet)`],
    [`${name}: array buffers`, `${mb(buffers)} (${Math.round(buffers / records.length)} B/packet)`],
    [
      `${name}: total`,
      `${mb(heap + buffers)} (${Math.round((heap + buffers) / records.length)} B/packet)`,
    ],
    [`${name}: decode + add, µs/packet`, (fillNs / records.length / 1_000).toFixed(2)],
    [`${name}: a 10 s catch-up (${missed} packets of one room)`, `${recoverMs.toFixed(1)} ms`],
  ] as const;
}

/** The room of the first record, the one the catching-up socket is in. */
function roomOf(records: readonly Buffer[]): string {
  const first = records[0];
  if (first === undefined) throw new Error('no records');
  return (decode(first) as { data: [string, { roomId: string }] }).data[1].roomId;
}

const SHAPES = {
  'before (decoded + Sets)': previousShape,
  'after (one buffer)': compactShape,
} as const;
type Shape = keyof typeof SHAPES;
type Rows = readonly (readonly [string, string])[];

/** Measures one shape in a child process, so that neither sees the other's garbage. */
function measureApart(shape: Shape): Promise<Rows> {
  const child = forkTypeScript(__filename, [shape]);
  return new Promise((resolvePromise, reject) => {
    child.once('message', (rows: Rows) => resolvePromise(rows));
    child.once('exit', (code) => reject(new Error(`measuring ${shape} exited with ${code}`)));
  });
}

function measureHere(shape: Shape): void {
  const roomIds = Array.from({ length: ROOMS }, () => randomUUID());
  const records = Array.from({ length: PACKETS }, (_, index) => encodedRecord(index, roomIds));
  if (shape === 'before (decoded + Sets)') {
    const sample = encode(decoded(records[0] ?? Buffer.alloc(0), 0).data);
    process.stdout.write(
      `${PACKETS} packets of ${sample.length} encoded bytes (body ${BODY_CHARS} chars), ${ROOMS} rooms; node ${process.version}\n`,
    );
  }
  process.send?.(measure(shape, SHAPES[shape], records));
}

async function main(): Promise<void> {
  const rows: (readonly [string, string])[] = [];
  for (const shape of Object.keys(SHAPES) as Shape[]) rows.push(...(await measureApart(shape)));
  printFigures(rows);
}

const shape = process.argv[2];
if (shape === undefined) runBenchmark(main);
else if (shape in SHAPES) measureHere(shape as Shape);
else throw new Error(`unknown shape ${shape}`);
