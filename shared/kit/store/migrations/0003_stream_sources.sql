CREATE TABLE `kit_stream_sources` (
	`stream` text PRIMARY KEY NOT NULL,
	`stream_created` text NOT NULL,
	`recorded_at` text NOT NULL
);
