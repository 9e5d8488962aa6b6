CREATE TABLE `kit_projection_events` (
	`projection` text NOT NULL,
	`event_id` text NOT NULL,
	`stored_at` integer NOT NULL,
	PRIMARY KEY(`projection`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `kit_projection_events_stored_at` ON `kit_projection_events` (`projection`,`stored_at`);