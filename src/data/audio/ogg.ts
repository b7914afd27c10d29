/**
 * Ogg Vorbis decoding, synchronous as datasets read (`Dataset.get`). The
 * decoder, @wasm-audio-decoders/ogg-vorbis (libvorbis compiled to
 * WebAssembly), only has an asynchronous API, so it runs in a worker thread
 * (./ogg-worker.ts) and the caller blocks until the answer is there
 * (Atomics.wait, then receiveMessageOnPort). One file is decoded at a time,
 * each from a fresh decoder state, so the samples depend on the bytes alone,
 * never on timing. Samples come back as float32 (as libvorbis computes them)
 * and are widened to float64, as soundfile.read does.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { ReproError } from "../../util/errors.js";
import { checkOggVorbis } from "./ogg-pages.js";
import type { Audio } from "./wav.js";

/** The worker's answer: the decoded file, or why it could not be decoded. */
export type OggReply =
  | { sampleRate: number; channelData: Float32Array[]; errors: string[] }
  | { failure: string };

/** Far longer than decoding any real file takes (hours of audio decode in seconds). */
const ANSWER_TIMEOUT_MS = 120_000;

interface Channel {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly signal: Int32Array;
}

let channel: Channel | null = null;

function startWorker(): Channel {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL("./ogg-worker.js", import.meta.url), {
    workerData: { port: port2, signal },
    execArgv: [], // not the parent's: e.g. `node -e` flags would keep the worker from starting
    transferList: [port2],
  });
  // Neither keeps the process alive: it ends when the main thread is done.
  worker.unref();
  port1.unref();
  return { worker, port: port1, signal };
}

/** Decodes `bytes` in the worker, blocking until it answers. */
function decodeInWorker(bytes: Uint8Array, where: string): OggReply {
  channel ??= startWorker();
  const { port, signal } = channel;
  Atomics.store(signal, 0, 0);
  // A copy of just these bytes: a view into a whole zip archive would be cloned whole.
  const copy = new Uint8Array(bytes);
  port.postMessage(copy, [copy.buffer]);
  if (Atomics.wait(signal, 0, 0, ANSWER_TIMEOUT_MS) === "timed-out") {
    void channel.worker.terminate();
    channel = null;
    throw new ReproError(
      `${where}: the Ogg Vorbis decoder did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`,
    );
  }
  const message = receiveMessageOnPort(port);
  if (!message) throw new Error("internal: the Ogg decoder signalled without an answer");
  return message.message as OggReply;
}

/** Decodes a mono Ogg Vorbis file to float64 samples (as soundfile reads them). */
export function decodeOgg(buf: Buffer, where: string): Audio {
  const bad = (why: string): never => {
    throw new ReproError(`${where}: unreadable audio (${why})`);
  };
  const info = checkOggVorbis(buf, bad);
  if (info.channels !== 1) bad(`${info.channels} channels; only mono is supported`);
  const reply = decodeInWorker(buf, where);
  if ("failure" in reply) return bad(`Vorbis decoder: ${reply.failure}`);
  if (reply.errors.length > 0) bad(`Vorbis decoder: ${reply.errors[0]}`);
  if (reply.channelData.length !== 1 || reply.channelData[0].length === 0) bad("no audio samples decoded");
  return { sampleRate: reply.sampleRate, samples: Float64Array.from(reply.channelData[0]) };
}
