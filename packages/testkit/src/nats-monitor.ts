// What a NATS cluster's monitoring endpoints say about one stream and its consumers, read from
// the node that leads each (a follower's view may lag behind).

import type { NatsNode } from "./env.js";
import { httpGet } from "./http.js";
import { isAlive } from "./process.js";

export interface ConsumerReport {
  /** The node leading the consumer. */
  leader: string;
  /** Stream sequence of the last message delivered, and below which all are acknowledged. */
  deliveredSeq: number;
  ackFloorSeq: number;
  /** Messages not yet delivered, and delivered but not yet acknowledged. */
  numPending: number;
  numAckPending: number;
}

export interface StreamReport {
  leader: string;
  /** Nodes holding a copy, the leader included. */
  replicas: string[];
  messages: number;
  firstSeq: number;
  lastSeq: number;
  consumers: Record<string, ConsumerReport>;
}

interface Clustered {
  cluster?: { leader?: string; replicas?: { name: string }[] };
}
interface StreamDetail extends Clustered {
  name: string;
  state: { messages: number; first_seq: number; last_seq: number };
  consumer_detail?: (Clustered & {
    name: string;
    delivered: { stream_seq: number };
    ack_floor: { stream_seq: number };
    num_pending: number;
    num_ack_pending: number;
  })[];
}

async function streamDetail(node: NatsNode, stream: string): Promise<StreamDetail | undefined> {
  const res = await httpGet(
    `${node.monitorUrl}/jsz?accounts=true&streams=true&consumers=true`,
  ).catch(() => undefined);
  if (res?.status !== 200) return undefined;
  const jsz = JSON.parse(res.body) as { account_details?: { stream_detail?: StreamDetail[] }[] };
  return jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === stream);
}

/**
 * The stream's state and its consumers' positions as their leaders report them; undefined while
 * no running node leads the stream (an election, or the stream is gone).
 */
export async function streamReport(
  nodes: readonly NatsNode[],
  stream: string,
): Promise<StreamReport | undefined> {
  const views = await Promise.all(
    nodes
      .filter((n) => isAlive(n.pid))
      .map(async (n) => ({ node: n.name, detail: await streamDetail(n, stream) })),
  );
  const own = (v: (typeof views)[number], c: Clustered | undefined) =>
    // A lone server (no cluster section) leads everything it has.
    c?.cluster ? c.cluster.leader === v.node : views.length === 1;
  const lead = views.find((v) => v.detail && own(v, v.detail));
  if (!lead?.detail) return undefined;
  const consumers: Record<string, ConsumerReport> = {};
  for (const v of views) {
    for (const c of v.detail?.consumer_detail ?? []) {
      if (!own(v, c)) continue;
      consumers[c.name] = {
        leader: v.node,
        deliveredSeq: c.delivered.stream_seq,
        ackFloorSeq: c.ack_floor.stream_seq,
        numPending: c.num_pending,
        numAckPending: c.num_ack_pending,
      };
    }
  }
  const { state, cluster } = lead.detail;
  return {
    leader: lead.node,
    replicas: [lead.node, ...(cluster?.replicas ?? []).map((r) => r.name)],
    messages: state.messages,
    firstSeq: state.first_seq,
    lastSeq: state.last_seq,
    consumers,
  };
}
