// Peak memory of the deployable Lambda bundle over N webhook events against moto (S3 + SageMaker), sampled from
// inside the process the way Lambda bills it (RSS). Env configures the bundle exactly as in Lambda.
const [bundle, eventsJson] = process.argv.slice(2);
let peak = process.memoryUsage().rss;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const timer = setInterval(sample, 5);
const { handler } = await import(bundle);
const { count, bucket } = JSON.parse(eventsJson);
const config =
  '<View><Image name="image" value="$image"/><Choices name="choice" toName="image"><Choice value="Cat"/><Choice value="Dog"/><Choice value="Bird"/></Choices></View>';
const statuses = {};
const started = performance.now();
for (let i = 0; i < count; i++) {
  const label = ['Cat', 'Dog', 'Bird'][i % 3];
  const event = {
    action: 'ANNOTATION_CREATED',
    annotation: {
      id: i + 1,
      result: [{ from_name: 'choice', to_name: 'image', type: 'choices', value: { choices: [label] } }],
      task: i + 1,
      project: 1,
      completed_by: 1,
    },
    task: { id: i + 1, data: { image: `s3://${bucket}/incoming/img-${i % 64}.png` }, project: 1 },
    project: { id: 1, label_config: config },
  };
  const out = await handler({
    requestContext: { http: { method: 'POST' } },
    headers: { 'x-labeling-bridge-secret': process.env.WEBHOOK_SECRET },
    body: JSON.stringify(event),
  });
  statuses[out.statusCode] = (statuses[out.statusCode] ?? 0) + 1;

  sample();
}
clearInterval(timer);
process.stderr.write(
  `${JSON.stringify({ peakRssMb: peak / 2 ** 20, statuses, seconds: (performance.now() - started) / 1000 })}\n`,
);
