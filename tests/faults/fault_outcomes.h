/*
 * Focused tests of what faults leave behind: promotion times, writes of
 * unknown outcome, open bugs, and version 2's methods faulted. Each is a
 * cmocka test run by test_faults.c's main on the protocols it lists.
 */
#ifndef FAULT_OUTCOMES_H
#define FAULT_OUTCOMES_H

void rollback_that_took_effect_returns_its_copy_as_promoted(void **state);
void a_release_once_active_never_reads_as_never_promoted(void **state);
void a_lease_taken_with_a_lost_acknowledgement_does_not_block_the_app(void **state);
void a_lease_of_unknown_outcome_is_given_back(void **state);
void a_rollback_whose_swap_acknowledgement_was_lost_succeeds(void **state);
void a_rollback_of_unknown_outcome_does_not_mark_an_active_copy_failed(void **state);
void bug_a_promotion_goes_on_when_the_outgoing_release_cannot_be_read(void **state);
void a_faulted_commit_is_applied_whole_or_not_at_all(void **state);
void a_faulted_hold_is_not_kept(void **state);

#endif
