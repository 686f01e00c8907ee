type Event = Record<string, unknown> & { eventId: string; eventType: string };

const WFT = {
  scheduled: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
  started: 'EVENT_TYPE_WORKFLOW_TASK_STARTED',
  completed: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
};
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** A history as JSON (what `historyToJSON` writes), so events can be moved and renumbered. */
export type HistoryJson = { events: Event[] };

/** Where each local activity's result was recorded: the indexes of its marker events. */
export function localActivityMarkers(history: HistoryJson): number[] {
  return history.events.flatMap((e, i) =>
    (e.markerRecordedEventAttributes as { markerName?: string } | undefined)?.markerName ===
    LOCAL_ACTIVITY_MARKER
      ? [i]
      : [],
  );
}

/** The patch ids a history recorded markers for, in order. */
export function patchIdsIn(history: HistoryJson): string[] {
  return history.events.flatMap((e) => {
    const details = (
      e.markerRecordedEventAttributes as
        { details?: Record<string, { payloads?: { data: string }[] }> } | undefined
    )?.details;
    return (details?.['patch-data']?.payloads ?? []).map(
      (p) => (JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as { id: string }).id,
    );
  });
}

/** Adds `by` to every event id reference above `after`, anywhere in an event's attributes. */
function shiftReferences(value: unknown, after: number, by: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shiftReferences(v, after, by));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      /EventId$/.test(key) && typeof v === 'string' && Number(v) > after
        ? String(Number(v) + by)
        : shiftReferences(v, after, by),
    ]),
  );
}

/**
 * The same history as if the workflow task that recorded the local activity marker at `index` had
 * been completed right after it, and the rest of its commands had come in a new task. That is what
 * a worker does when it answers a query while that activity's result is still waiting to reach the
 * workflow: it completes the task with what it has and asks for another.
 */
export function splitAfter(history: HistoryJson, index: number): HistoryJson {
  const marker = history.events[index]!;
  const splitId = Number(marker.eventId);
  const completed = history.events
    .slice(0, index)
    .reverse()
    .find((e) => e.eventType === WFT.completed);
  if (!completed) throw new Error(`no workflow task completed before event ${splitId}`);
  const time = marker.eventTime;
  const [scheduledId, startedId, completedId] = [splitId + 1, splitId + 2, splitId + 3];
  const inserted: Event[] = [
    {
      eventId: String(scheduledId),
      eventTime: time,
      eventType: WFT.scheduled,
      workflowTaskScheduledEventAttributes: structuredClone(
        history.events.find((e) => e.eventType === WFT.scheduled)!.workflowTaskScheduledEventAttributes,
      ),
    },
    {
      eventId: String(startedId),
      eventTime: time,
      eventType: WFT.started,
      workflowTaskStartedEventAttributes: { scheduledEventId: String(scheduledId) },
    },
    {
      eventId: String(completedId),
      eventTime: time,
      eventType: WFT.completed,
      workflowTaskCompletedEventAttributes: {
        ...(completed.workflowTaskCompletedEventAttributes as object),
        scheduledEventId: String(scheduledId),
        startedEventId: String(startedId),
      },
    },
  ];
  const rest = history.events.slice(index + 1).map((e, i): Event => {
    const shifted = shiftReferences(e, splitId, 3) as Event;
    return { ...shifted, eventId: String(splitId + 4 + i) };
  });
  // The commands that followed the marker in its task now belong to the new task.
  const end = rest.findIndex((e) => !isCommandEvent(e));
  for (const e of rest.slice(0, end === -1 ? rest.length : end)) {
    const key = attributesKey(e)!;
    e[key] = { ...(e[key] as object), workflowTaskCompletedEventId: String(completedId) };
  }
  return { ...history, events: [...history.events.slice(0, index + 1), ...inserted, ...rest] };
}

/** The name of the event's attributes field, e.g. `markerRecordedEventAttributes`. */
const attributesKey = (e: Event): string | undefined =>
  Object.keys(e).find((k) => k.endsWith('EventAttributes'));

/** Events a workflow task's commands create (they carry the id of the task that completed them). */
function isCommandEvent(e: Event): boolean {
  const key = attributesKey(e);
  return key !== undefined && 'workflowTaskCompletedEventId' in (e[key] as object);
}
