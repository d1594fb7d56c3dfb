-- The credit score counts a payer's disputes decided against them (credit's disputesLost).
CREATE INDEX merchant_disputes_opened_by ON merchant_disputes (opened_by) WHERE status = 'resolved';
