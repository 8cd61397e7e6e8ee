/**
 * Stand-in capacity on one core. Each stand-in runs alone in a child process and the figure is
 * operations per second of the stand-in's own CPU time: what one core running it sustains. The
 * client's cost stays in this process. Each stand-in is measured next to a baseline from the same
 * run: a server process answering the same calls with canned responses of the same size and no
 * state at all, i.e. the cost of the transport alone.
 *
 *   npm run --silent bench:localcloud [-- --seconds 8 --workers 16 --pubsub-messages 40000 --writes 6000 --uploads 3000]
 *
 * SQS: workers loop SendMessageBatch (10) → ReceiveMessage (10) → DeleteMessageBatch (10), through
 *   a lean client speaking the AWS JSON protocol (the official SDK spends about ten times more CPU
 *   per call than the stand-in, so through it the benchmark would measure the SDK).
 * Pub/Sub: publish (client batching) → StreamingPull → ack each, through @google-cloud/pubsub.
 * Firestore: single-document commits (set) with 16 in flight, through @google-cloud/firestore.
 * Cloud Storage: 1 KiB create-only uploads with 16 in flight, through @google-cloud/storage.
 * Last line: JSON with the figures.
 */
import { parseArgs } from 'node:util';
import { driveFirestore } from './support/firestore-driver.js';
import { driveStorage } from './support/gcs-driver.js';
import { drivePubSub } from './support/pubsub-driver.js';
import { type Measurement, measureServer } from './support/server-process.js';
import { driveSqs } from './support/sqs-driver.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    workers: { type: 'string', default: '16' },
    'pubsub-messages': { type: 'string', default: '40000' },
    writes: { type: 'string', default: '6000' },
    uploads: { type: 'string', default: '3000' },
  },
});
// Local only: keep the Google clients from probing the GCE metadata server.
process.env.METADATA_SERVER_DETECTION ??= 'none';

interface Section {
  readonly name: string;
  readonly unit: string;
  readonly key: string;
  readonly script: string;
  readonly baselineLabel: string;
  readonly drive: Parameters<typeof measureServer>[2];
}

const sections: Section[] = [
  {
    name: `SQS: ${values.workers} loops of SendMessageBatch(10) → ReceiveMessage(10) → DeleteMessageBatch, ${values.seconds} s`,
    unit: 'messages/s',
    key: 'sqsMessagesPerSec',
    script: 'sqs-server.ts',
    baselineLabel: 'canned HTTP server, no queue work',
    drive: (s) => driveSqs(s, Number(values.seconds), Number(values.workers)),
  },
  {
    name: `Pub/Sub: ${values['pubsub-messages']} messages published in batches, streaming pull, ack each`,
    unit: 'messages/s',
    key: 'pubsubMessagesPerSec',
    script: 'pubsub-server.ts',
    baselineLabel: 'canned gRPC relay, no subscription state',
    drive: (s) => drivePubSub(s, Number(values['pubsub-messages'])),
  },
  {
    name: `Firestore: ${values.writes} single-document commits, 16 in flight`,
    unit: 'committed writes/s',
    key: 'firestoreWritesPerSec',
    script: 'firestore-server.ts',
    baselineLabel: 'canned gRPC server, stores nothing',
    drive: (s) => driveFirestore(s, Number(values.writes)),
  },
  {
    name: `Cloud Storage: ${values.uploads} create-only 1 KiB uploads, 16 in flight`,
    unit: 'uploads/s',
    key: 'gcsUploadsPerSec',
    script: 'gcs-server.ts',
    baselineLabel: 'canned HTTP server, stores nothing',
    drive: (s) => driveStorage(s, Number(values.uploads)),
  },
];

const line = (label: string, unit: string, m: Measurement) =>
  `  ${label.padEnd(44)} ${Math.round(m.perCore).toString().padStart(7)} ${unit} per core (${m.serverMicrosPerOp.toFixed(1)} µs server CPU each), ${Math.round(m.endToEnd)} ${unit} end to end`;

const figures: Record<string, number> = {};
console.log(`node ${process.version}; figures are per core of the stand-in's own CPU time`);
for (const section of sections) {
  const baseline = await measureServer(section.script, 'canned', section.drive);
  const standIn = await measureServer(section.script, 'stand-in', section.drive);
  console.log(`\n${section.name}`);
  console.log(line(`baseline: ${section.baselineLabel}`, section.unit, baseline));
  console.log(line('stand-in', section.unit, standIn));
  console.log(
    `  stand-in per core = ${((standIn.perCore / baseline.perCore) * 100).toFixed(0)}% of the baseline`,
  );
  figures[section.key] = Math.round(standIn.perCore);
  figures[`${section.key.replace(/PerSec$/, '')}EndToEndPerSec`] = Math.round(standIn.endToEnd);
  figures[`${section.key.replace(/PerSec$/, '')}BaselinePerSec`] = Math.round(baseline.perCore);
}
console.log(`\ntargets: SQS and Pub/Sub >= 20000 messages/s per core`);
console.log(JSON.stringify(figures));
