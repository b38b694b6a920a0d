/**
 * A campaign's state by its dates on the relay's calendar (its zone, from the days store), and
 * what an ended or not yet started one means for its scans: the phase badge shows it and opens
 * the explanation under itself when tapped, clicked or pressed (a title is out of reach on a
 * touch screen or by keyboard), and the campaign editor writes an ended one's by the end date.
 * Until the relay's zone is read, this computer's calendar.
 */
import { computed, type ComputedRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { campaignPhase, type CampaignPhase } from '../../../shared/campaign-phase'
import { useDaysStore } from '../stores/days'
import { useMinuteClock } from './use-now'

export interface CampaignPhaseView {
  phase: ComputedRef<CampaignPhase | null>
  /** Ended on a relay that stops counting after endsAt (config stopAfterEndsAt). */
  stops: ComputedRef<boolean>
  /**
   * For an ended campaign: whether its scans still count, and why; for one not started yet:
   * that its scans already count (the relay never checks startsAt); null while it runs.
   */
  explanation: ComputedRef<string | null>
}

export function useCampaignPhase(
  startsAt: () => string | null,
  endsAt: () => string | null,
): CampaignPhaseView {
  const { t } = useI18n()
  const days = useDaysStore()
  // A minute is soon enough for a day's turn; a list's badges share its page's clock.
  const now = useMinuteClock()
  const phase = computed(() => campaignPhase(startsAt(), endsAt(), now.value, days.timeZone))
  const stops = computed(() => phase.value === 'ended' && days.stopsAfterEndsAt)
  const explanation = computed(() =>
    phase.value === 'not-started'
      ? t('campaigns.phase.notStartedCounts')
      : phase.value === 'ended'
        ? t(stops.value ? 'campaigns.phase.endedStops' : 'campaigns.phase.endedCounts')
        : null,
  )
  return { phase, stops, explanation }
}
