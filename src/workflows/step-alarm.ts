import { CancellationScope, condition, sleep } from '@temporalio/workflow';

/**
 * The timer for the case's next ladder step, kept running across the messages that arrive while it
 * waits: a message that leaves the next step where it was (same step, same instant) keeps it, so
 * the history holds no cancelled and restarted timer for it (patch 'kept-step-timer').
 */
export interface StepAlarm {
  /**
   * Waits for the step `key` due `at`, or until `interrupted()`; true when interrupted first. The
   * running timer is reused when it is for the same key; any other is cancelled first.
   */
  wait(key: string, at: number, summary: string, interrupted: () => boolean): Promise<boolean>;
  /** Is a timer running (or rung and not yet waited for) for this key? */
  runningFor(key: string): boolean;
  /** Cancels the running timer, if there is one (its step is no longer next). */
  clear(): void;
}

export function createStepAlarm(): StepAlarm {
  let current: { key: string; scope: CancellationScope; rang: boolean } | undefined;
  const clear = (): void => {
    if (current && !current.rang) current.scope.cancel();
    current = undefined;
  };
  return {
    clear,
    runningFor: (key) => current?.key === key,
    async wait(key, at, summary, interrupted) {
      if (current?.key !== key) {
        clear();
        const alarm = { key, scope: new CancellationScope(), rang: false };
        current = alarm;
        alarm.scope
          .run(() => sleep(Math.max(1, at - Date.now()), { summary }))
          // Cancelled when its step stopped being next: nothing to do.
          .then(
            () => void (alarm.rang = true),
            () => undefined,
          );
      }
      const alarm = current;
      await condition(() => alarm.rang || interrupted());
      if (interrupted()) return true;
      current = undefined;
      return false;
    },
  };
}
