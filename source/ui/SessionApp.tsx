import { type ReactElement, useCallback, useMemo, useRef, useSyncExternalStore } from 'react';
import type { CallSession } from '../app/call-session.js';
import { App } from './App.js';
import type { CallControls } from './hooks/useCallCommands.js';
import { AgentPicker } from './picker/AgentPicker.js';
import type { PickerState } from './picker/pickerState.js';

/**
 * The full-screen run: the agent picker when no agent is configured, then the call screen for
 * each call in turn (`r` calls again; earlier calls stay above a divider).
 */
export function SessionApp({ session }: { readonly session: CallSession }): ReactElement {
  const view = useSyncExternalStore(session.subscribe, session.getView, session.getView);
  const { actions } = session;
  // The picker as it was left: shown again after a refused agent, it goes on from there.
  const picker = useRef<PickerState | undefined>(undefined);
  const keepPicker = useCallback((state: PickerState) => {
    picker.current = state;
  }, []);
  const controls = useMemo<CallControls>(
    () => ({
      quit: (force) => actions.quit(force),
      redial: () => actions.redial(),
      skipRecord: () => actions.skipRecord(),
    }),
    [actions],
  );
  if (view.stage.kind === 'picking') {
    return (
      <AgentPicker
        loadAgents={actions.listAgents}
        searchAgents={actions.searchAgents}
        {...(view.stage.refused === undefined ? {} : { refused: view.stage.refused })}
        {...(picker.current === undefined ? {} : { saved: picker.current })}
        onState={keepPicker}
        onPick={actions.pick}
        onCancel={(why) => (why === undefined ? actions.quit() : actions.giveUp(why))}
      />
    );
  }
  return (
    <App
      store={view.store}
      title={view.title}
      controls={controls}
      earlier={view.earlier}
      stage={view.stage}
      {...(view.note === undefined ? {} : { note: view.note })}
      {...(view.helpNote === undefined ? {} : { helpNote: view.helpNote })}
      {...(view.endSummary === undefined ? {} : { endSummary: view.endSummary })}
    />
  );
}
